#include "memwall/bench/sweep.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace memwall::bench {
namespace {

TEST(Sweep, EngineLevelPointsModelOuterThenSchemeThenTheRest) {
  SweepSpec spec;
  spec.models = {"a.gguf", "preset:b"};
  spec.quants = {"Q4_0", "Q8_0"};
  spec.threads = {1, 2};
  spec.prompts = {128, 512};
  spec.gens = {64};
  const auto points = *expand(spec);
  ASSERT_EQ(points.size(), 2u * 2 * 2 * 3);
  EXPECT_EQ(points[0].model, "a.gguf");
  EXPECT_EQ(points[0].scheme, "Q4_0");
  EXPECT_EQ(points[0].label(), "pp128");
  EXPECT_EQ(points[1].label(), "pp512");
  EXPECT_EQ(points[2].label(), "tg64");
  EXPECT_EQ(points[3].threads, 2);
  EXPECT_EQ(points[6].scheme, "Q8_0");
  EXPECT_EQ(points[12].model, "preset:b");
  // Each model's points are contiguous, so it loads once.
  for (std::size_t i = 1; i < points.size(); ++i) {
    if (points[i].model != points[i - 1].model) {
      EXPECT_EQ(points[i].model, "preset:b");
    }
  }
}

TEST(Sweep, ServingPointsForUsersAndRates) {
  SweepSpec spec;
  spec.models = {"preset:x"};
  spec.concurrency = {1, 4};
  spec.rates = {2.5};
  spec.prompts = {64};
  spec.gens = {16};
  spec.depths = {0, 100};
  spec.warmup = 2;
  const auto points = *expand(spec);
  ASSERT_EQ(points.size(), 6u);
  EXPECT_EQ(points[0].label(), "c1 p64 n16");
  EXPECT_EQ(points[0].requests, 4);  // 4 per user
  EXPECT_EQ(points[0].warmup, 1);    // never more warm-up requests than users
  EXPECT_EQ(points[1].requests, 16);
  EXPECT_EQ(points[2].label(), "r2.5/s p64 n16");
  EXPECT_EQ(points[2].requests, 16);
  EXPECT_EQ(points[3].label(), "c1 p64 n16 @ d100");
}

TEST(Sweep, PrefillBudgetsMultiplyThePointsAfterTheKvType) {
  SweepSpec spec;
  spec.models = {"preset:x"};
  spec.kv_types = {"f16", "q8_0"};
  spec.prefill_budgets = {128, 512};
  spec.concurrency = {4};
  spec.prompts = {256};
  spec.gens = {16};
  const auto points = *expand(spec);
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[0].prefill_budget, 128);
  EXPECT_EQ(points[1].prefill_budget, 512);
  EXPECT_EQ(points[1].kv_type, "f16");
  EXPECT_EQ(points[2].kv_type, "q8_0");
  EXPECT_EQ(points[2].prefill_budget, 128);
  EXPECT_EQ(SweepSpec{}.prefill_budgets, std::vector<std::int64_t>{kDefaultPrefillBudget});
}

TEST(Sweep, ProfilesSetThePrefillBudget) {
  const std::string path = ::testing::TempDir() + "budget-sweep.json";
  std::ofstream(path) << R"({"model": "preset:x", "concurrency": "2", "prefill-budget": "64,256"})";
  const auto spec = load_sweep_profile(path);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->prefill_budgets, (std::vector<std::int64_t>{64, 256}));
  std::ofstream(path) << R"({"model": "preset:x", "prefill-budget": "0"})";
  EXPECT_FALSE(load_sweep_profile(path).ok());
  std::filesystem::remove(path);
}

TEST(Sweep, NothingToRunIsAnError) {
  SweepSpec spec;
  EXPECT_FALSE(expand(spec).ok());
  spec.models = {"m"};
  spec.prompts = {0};
  spec.gens = {0};
  EXPECT_FALSE(expand(spec).ok());
}

TEST(Sweep, BuiltInProfilesLoad) {
  for (const char* name : {"quick", "ci", "full"}) {
    const auto spec = load_sweep_profile(name);
    ASSERT_TRUE(spec.ok()) << name << ": " << spec.error().message;
    EXPECT_FALSE(spec->models.empty()) << name;
    EXPECT_TRUE(expand(*spec).ok()) << name;
  }
  const auto missing = load_sweep_profile("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("quick"), std::string::npos);
}

}  // namespace
}  // namespace memwall::bench
