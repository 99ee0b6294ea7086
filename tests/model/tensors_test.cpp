#include "memwall/model/tensors.hpp"

#include <gtest/gtest.h>

#include "memwall/model/presets.hpp"

namespace memwall::model {
namespace {

TEST(Tensors, DescribeParsesBlockAndGlobalNames) {
  const PlannedTensor q = describe_tensor("blk.12.attn_q.weight", {4096, 4096});
  EXPECT_EQ(q.role, Role::attn_q);
  EXPECT_EQ(q.layer, 12);
  EXPECT_EQ(describe_tensor("blk.3.ffn_down_exps.weight", {768, 2048, 128}).role, Role::ffn_down_exps);
  EXPECT_TRUE(describe_tensor("blk.3.ffn_down_exps.weight", {768, 2048, 128}).is_expert());
  EXPECT_EQ(describe_tensor("blk.0.attn_q.bias", {896}).role, Role::attn_q_bias);
  EXPECT_EQ(describe_tensor("output.weight", {4096, 128256}).role, Role::output);
  EXPECT_EQ(describe_tensor("token_embd.weight", {4096, 128256}).layer, -1);
  EXPECT_EQ(describe_tensor("blk.x.attn_q.weight", {1, 1}).role, Role::other);
  EXPECT_EQ(describe_tensor("blk.1.mystery.weight", {1, 1}).role, Role::other);
  EXPECT_EQ(describe_tensor("blk.", {1}).role, Role::other);
}

TEST(Tensors, PlanNamesDescribeBackToTheirRoles) {
  for (const char* name : {"llama-3.1-8b", "qwen2.5-0.5b", "qwen3-8b", "qwen3-30b-a3b", "mixtral-8x7b",
                           "gemma-3-4b", "phi-4", "gpt-oss-20b"}) {
    const ModelSpec s = find_preset(name)->spec;
    for (const PlannedTensor& t : plan_tensors(s)) {
      const PlannedTensor d = describe_tensor(t.name, t.shape);
      EXPECT_EQ(d.role, t.role) << t.name;
      EXPECT_EQ(d.layer, t.layer) << t.name;
    }
  }
}

TEST(Tensors, LlamaPlanHasTheGgufLayout) {
  const ModelSpec s = find_preset("llama-3.1-8b")->spec;
  const std::vector<PlannedTensor> plan = plan_tensors(s);
  // token_embd, rope_freqs, 9 per layer, output_norm, output
  EXPECT_EQ(plan.size(), 2u + 32 * 9 + 2);
  EXPECT_EQ(plan.front().name, "token_embd.weight");
  EXPECT_EQ(plan.front().shape, (std::vector<std::uint64_t>{4096, 128256}));
  EXPECT_EQ(plan[1].name, "rope_freqs.weight");
  EXPECT_EQ(plan[1].shape, (std::vector<std::uint64_t>{64}));
  EXPECT_EQ(plan.back().name, "output.weight");
  const auto k = std::find_if(plan.begin(), plan.end(), [](const PlannedTensor& t) { return t.name == "blk.0.attn_k.weight"; });
  ASSERT_NE(k, plan.end());
  EXPECT_EQ(k->shape, (std::vector<std::uint64_t>{4096, 1024}));
}

TEST(Tensors, TiedModelsHaveNoOutputMatrix) {
  const ModelSpec s = find_preset("llama-3.2-1b")->spec;
  for (const PlannedTensor& t : plan_tensors(s)) EXPECT_NE(t.role, Role::output);
}

}  // namespace
}  // namespace memwall::model
