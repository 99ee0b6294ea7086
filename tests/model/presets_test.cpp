#include "memwall/model/presets.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "memwall/model/params.hpp"
#include "memwall/model/tensors.hpp"
#include "memwall/profiles/embedded.hpp"
#include "support/schema.hpp"

namespace memwall::model {
namespace {

TEST(Presets, EveryPresetFileMatchesTheSchema) {
  int checked = 0;
  for (const profiles::EmbeddedFile& f : profiles::embedded_files()) {
    if (f.path.substr(0, 7) != "models/") continue;
    const Status valid =
        testing::validate_against_schema(nlohmann::json::parse(f.content), "model-preset.schema.json");
    EXPECT_TRUE(valid.ok()) << f.path << ": " << valid.error().message;
    ++checked;
  }
  EXPECT_GE(checked, 24);
}

TEST(Presets, TheIssuesPresetsAreAllThere) {
  for (const char* name : {"llama-2-7b", "llama-3.2-1b", "llama-3.2-3b", "llama-3.1-8b", "llama-3.1-70b",
                           "qwen2.5-0.5b", "qwen2.5-7b", "qwen2.5-14b", "qwen2.5-32b", "qwen2.5-72b",
                           "qwen3-8b", "qwen3-32b", "qwen3-30b-a3b", "mistral-7b", "mixtral-8x7b",
                           "tiny-llama", "tiny-moe"}) {
    const Result<Preset> p = find_preset(name);
    EXPECT_TRUE(p.ok()) << name;
  }
  EXPECT_TRUE(find_preset("preset:llama-3.1-8b").ok());
}

TEST(Presets, UnknownPresetListsTheKnownOnes) {
  const Result<Preset> p = find_preset("llama-9000");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("llama-9000"), std::string::npos);
  EXPECT_NE(p.error().message.find("llama-3.1-8b"), std::string::npos);
}

// Computed from the shapes, counts must match what the publishers state within 1%. A figure stated
// to two significant digits (Qwen's "3.3B activated") is only known to that digit, and vendors
// both round and truncate: the computed count must round or truncate to it.
::testing::AssertionResult matches_published(double computed_b, double published_b) {
  const double unit = std::pow(10.0, std::floor(std::log10(published_b)) - 1);  // 3.3 -> 0.1
  const bool two_digits = std::fabs(std::round(published_b / unit) * unit - published_b) < 1e-9 &&
                          std::fabs(std::round(published_b / unit / 10) * unit * 10 - published_b) > 1e-9;
  const bool within_1pc = std::fabs(computed_b - published_b) <= 0.01 * published_b;
  const bool rounds_or_truncates = computed_b >= published_b - unit / 2 && computed_b < published_b + unit;
  if (within_1pc || (two_digits && rounds_or_truncates)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "computed " << computed_b << " B, published " << published_b << " B";
}

TEST(Presets, ParameterCountsMatchThePublishedOnes) {
  const Result<std::vector<Preset>> presets = load_presets();
  ASSERT_TRUE(presets.ok());
  for (const Preset& p : *presets) {
    const std::vector<PlannedTensor> tensors = plan_tensors(p.spec);
    const ParamCounts c = count_params(p.spec, tensors);
    if (p.published.total_params_b) {
      EXPECT_TRUE(matches_published(static_cast<double>(c.total) * 1e-9, *p.published.total_params_b))
          << p.spec.name << " total (" << p.published.source << ")";
    }
    if (p.published.active_params_b) {
      const double active = static_cast<double>(p.published.active_counts_input_embedding
                                                    ? c.active
                                                    : c.active_excluding_input_embedding()) * 1e-9;
      EXPECT_TRUE(matches_published(active, *p.published.active_params_b))
          << p.spec.name << " active (" << p.published.source << ")";
    }
  }
}

TEST(Presets, TinyPresetsAreTiny) {
  for (const char* name : {"tiny-llama", "tiny-moe"}) {
    const Preset p = *find_preset(name);
    const ParamCounts c = count_params(p.spec, plan_tensors(p.spec));
    EXPECT_GE(c.total, 1'000'000u) << name;
    EXPECT_LE(c.total, 5'000'000u) << name;
    EXPECT_TRUE(p.spec.engine_supported());
  }
  EXPECT_TRUE(find_preset("tiny-moe")->spec.is_moe());
}

TEST(Params, KvBytesPerTokenFollowsTheFormula) {
  const ModelSpec s = find_preset("llama-3.1-8b")->spec;
  // 2 (K and V) x 32 layers x 8 KV heads x 128 x 2 bytes
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(s, quant::TensorType::F16), 131072.0);
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(s, quant::TensorType::Q8_0), 131072.0 / 2 * 34 / 32);
  const ModelSpec q = find_preset("qwen2.5-0.5b")->spec;  // 2 x 24 x 2 x 64 x 2
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(q, quant::TensorType::F16), 12288.0);
}

TEST(Params, MoeActiveCountsOnlyTheRoutedExperts) {
  const ModelSpec s = find_preset("mixtral-8x7b")->spec;
  const ParamCounts c = count_params(s, plan_tensors(s));
  // 8 experts of 3 x 4096 x 14336 per layer, 2 used: 6/8 of the expert weights are idle.
  const std::uint64_t experts = 32ull * 8 * 3 * 4096 * 14336;
  EXPECT_EQ(c.total - c.active, experts / 8 * 6);
}

}  // namespace
}  // namespace memwall::model
