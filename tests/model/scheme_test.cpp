#include "memwall/model/scheme.hpp"

#include <gtest/gtest.h>

#include <map>

#include "memwall/model/params.hpp"
#include "memwall/model/presets.hpp"

namespace memwall::model {
namespace {

using quant::TensorType;

std::map<std::string, TensorType> types_by_name(const ModelSpec& spec, Scheme scheme) {
  const std::vector<PlannedTensor> plan = plan_tensors(spec);
  const std::vector<TensorType> types = assign_types(spec, plan, scheme);
  std::map<std::string, TensorType> by_name;
  for (std::size_t i = 0; i < plan.size(); ++i) by_name[plan[i].name] = types[i];
  return by_name;
}

double bits_per_weight(const ModelSpec& spec, Scheme scheme) {
  const std::vector<PlannedTensor> plan = plan_tensors(spec);
  const std::vector<TensorType> types = assign_types(spec, plan, scheme);
  return 8.0 * static_cast<double>(weight_bytes(spec, plan, types).total) /
         static_cast<double>(count_params(spec, plan).total);
}

// Whole-file bits per weight llama.cpp's README prints for Llama-3.1-8B at each scheme
// (../shared/data/quant_types.csv, column bpw_llama31_8b_measured; Q4_0 from its estimate column).
TEST(Scheme, Llama31_8bBitsPerWeightWithin3PercentOfLlamaCpp) {
  const ModelSpec spec = find_preset("llama-3.1-8b")->spec;
  const std::pair<Scheme, double> measured[] = {
      {Scheme::F16, 16.0005}, {Scheme::Q8_0, 8.5008},   {Scheme::Q6_K, 6.5633},
      {Scheme::Q5_K_M, 5.7036}, {Scheme::Q5_K_S, 5.5704}, {Scheme::Q4_K_M, 4.8944},
      {Scheme::Q4_K_S, 4.6672}, {Scheme::Q4_0, 4.643},   {Scheme::Q3_K_M, 3.9960},
      {Scheme::Q2_K, 3.1593},
  };
  for (const auto& [scheme, bpw] : measured) {
    const double ours = bits_per_weight(spec, scheme);
    EXPECT_NEAR(ours, bpw, 0.03 * bpw) << scheme_info(scheme).name;
    EXPECT_NEAR(ours, bpw, 0.005 * bpw) << scheme_info(scheme).name << " (tighter than required)";
  }
}

TEST(Scheme, Q4KMGivesMoreBitsWhereLlamaQuantizeDoes) {
  const auto t = types_by_name(find_preset("llama-3.1-8b")->spec, Scheme::Q4_K_M);
  EXPECT_EQ(t.at("output.weight"), TensorType::Q6_K);
  EXPECT_EQ(t.at("token_embd.weight"), TensorType::Q4_K);
  EXPECT_EQ(t.at("blk.0.attn_norm.weight"), TensorType::F32);
  EXPECT_EQ(t.at("rope_freqs.weight"), TensorType::F32);
  // use_more_bits: layers < 4, >= 28, and (i - 4) % 3 == 2.
  for (int layer : {0, 3, 6, 9, 27, 28, 31}) {
    const std::string blk = "blk." + std::to_string(layer) + ".";
    const bool more = layer < 4 || layer >= 28 || (layer - 4) % 3 == 2;
    const TensorType expected = more ? TensorType::Q6_K : TensorType::Q4_K;
    EXPECT_EQ(t.at(blk + "attn_v.weight"), expected) << layer;
    EXPECT_EQ(t.at(blk + "ffn_down.weight"), expected) << layer;
    EXPECT_EQ(t.at(blk + "attn_q.weight"), TensorType::Q4_K) << layer;
    EXPECT_EQ(t.at(blk + "ffn_up.weight"), TensorType::Q4_K) << layer;
  }
}

TEST(Scheme, TiedEmbeddingIsTreatedAsTheOutput) {
  const auto t = types_by_name(find_preset("llama-3.2-1b")->spec, Scheme::Q4_0);
  EXPECT_EQ(t.at("token_embd.weight"), TensorType::Q6_K);
  EXPECT_EQ(t.at("blk.0.attn_q.weight"), TensorType::Q4_0);
  EXPECT_EQ(types_by_name(find_preset("llama-3.2-1b")->spec, Scheme::Q8_0).at("token_embd.weight"),
            TensorType::Q8_0);
}

TEST(Scheme, RowsNotDivisibleBy256FallBackTo32ElementTypes) {
  // Qwen2.5-0.5B is 896 wide: K-quant blocks of 256 do not divide its rows.
  const auto t = types_by_name(find_preset("qwen2.5-0.5b")->spec, Scheme::Q4_K_M);
  EXPECT_EQ(t.at("blk.1.attn_q.weight"), TensorType::Q5_0);   // Q4_K -> Q5_0
  EXPECT_EQ(t.at("blk.0.attn_v.weight"), TensorType::Q8_0);   // Q6_K -> Q8_0
  EXPECT_EQ(t.at("token_embd.weight"), TensorType::Q8_0);     // tied output of width 896
  EXPECT_EQ(t.at("blk.4.ffn_down.weight"), TensorType::Q4_K); // 4864 = 19 x 256 divides
  EXPECT_EQ(t.at("blk.0.attn_q.bias"), TensorType::F32);
}

TEST(Scheme, MixtralKeepsAttentionAtQ8_0) {
  const auto t = types_by_name(find_preset("mixtral-8x7b")->spec, Scheme::Q4_K_M);
  EXPECT_EQ(t.at("blk.5.attn_v.weight"), TensorType::Q8_0);
  EXPECT_EQ(t.at("blk.5.attn_k.weight"), TensorType::Q8_0);
  EXPECT_EQ(t.at("blk.5.attn_output.weight"), TensorType::Q5_K);
  EXPECT_EQ(t.at("blk.5.ffn_gate_inp.weight"), TensorType::F32);
  EXPECT_EQ(t.at("blk.5.ffn_up_exps.weight"), TensorType::Q4_K);
}

TEST(Scheme, FloatSchemesKeepNormsInF32) {
  const auto t = types_by_name(find_preset("llama-3.1-8b")->spec, Scheme::BF16);
  EXPECT_EQ(t.at("output.weight"), TensorType::BF16);
  EXPECT_EQ(t.at("blk.7.ffn_norm.weight"), TensorType::F32);
}

TEST(Scheme, NamesAndFileTypesRoundTrip) {
  for (const SchemeInfo& s : all_schemes()) {
    EXPECT_EQ(scheme_from_name(s.name), s.scheme);
    EXPECT_EQ(scheme_from_file_type(s.gguf_file_type), s.scheme);
  }
  EXPECT_EQ(scheme_from_name("q4_k_m"), Scheme::Q4_K_M);
  EXPECT_FALSE(scheme_from_name("Q4_K_XL").has_value());
}

}  // namespace
}  // namespace memwall::model
