#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "support/subprocess.hpp"

namespace memwall {
namespace {

using testing::run_memwall;

std::size_t lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

TEST(FitCli, NamedHardwareJsonHasEveryModelSchemeRow) {
  const auto r = run_memwall({"fit", "--hardware", "rtx-4090", "--model", "llama-3.1-8b,qwen3-30b-a3b", "--quant",
                              "Q4_K_M,Q8_0", "--context", "8192", "--users", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "memwall.fit");
  ASSERT_EQ(j["rows"].size(), 4u);
  EXPECT_EQ(j["rows"][0]["model"]["scheme"], "Q8_0");  // highest quality first
  for (const auto& row : j["rows"]) {
    EXPECT_GT(row["prediction"]["tg_tok_s"].get<double>(), 0);
    EXPECT_NE(row["prediction"]["basis"].get<std::string>().find("1008 GB/s"), std::string::npos);
  }
  EXPECT_EQ(j["rows"][2]["memory"]["verdict"], "does not fit");  // 30.5 B weights at Q8_0: 32 GB > 24 GiB
  EXPECT_EQ(j["models"][1]["recommended"], 3);                   // so Q4_K_M
}

TEST(FitCli, TableShowsRecommendationAndBasis) {
  const auto r = run_memwall({"fit", "--hardware", "mac-mini-m4-16gb", "--model", "llama-3.1-8b,llama-3.1-70b",
                              "--min-tok-s", "10"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Recommended"), std::string::npos);
  EXPECT_NE(r.out.find("does not fit"), std::string::npos);
  EXPECT_NE(r.out.find("basis"), std::string::npos);
  EXPECT_NE(r.out.find("llama-3.1-70b                  none"), std::string::npos) << r.out;
}

TEST(FitCli, BadInlineHardwareIsAUsageErrorNamingTheField) {
  const auto r = run_memwall({"fit", "--hardware", "bw=273,mem=lots,tflops=7", "--model", "llama-3.1-8b"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("mem"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(FitCli, UnknownNamesAreUsageErrors) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"fit", "--hardware", "cray-1"},
           {"fit", "--hardware", "rtx-4090", "--model", "gpt-7"},
           {"fit", "--hardware", "rtx-4090", "--model", "llama-3.1-8b", "--quant", "Q4_K_XL"},
           {"plan", "--model", "llama-3.1-8b"}}) {
    const auto r = run_memwall(args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
  }
}

TEST(FitCli, MissingModelFileIsARuntimeError) {
  const auto r = run_memwall({"fit", "--hardware", "rtx-4090", "--model", "/nonexistent/m.gguf"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/m.gguf"), std::string::npos) << r.err;
}

TEST(FitCli, PlanRanksMachinesThatMeetTheTargetByPrice) {
  const auto r = run_memwall({"plan", "--model", "llama-3.1-8b", "--quant", "Q4_K_M", "--context", "8192", "--users",
                              "4", "--min-tok-s", "20", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "memwall.plan");
  ASSERT_EQ(j["requirements"].size(), 1u);
  EXPECT_GT(j["requirements"][0]["effective_bandwidth_gbps"].get<double>(), 0);
  bool seen_short = false;
  double last_price = 0;
  for (const auto& m : j["machines"]) {
    if (!m["meets_targets"].get<bool>()) {
      seen_short = true;
      continue;
    }
    EXPECT_FALSE(seen_short) << "machines that meet the target come first";
    EXPECT_GE(m["evaluation"]["prediction"]["tg_tok_s"].get<double>(), 20);
    EXPECT_NE(m["evaluation"]["memory"]["verdict"], "does not fit");
    if (!m["hardware"]["price_usd"].is_null()) {
      EXPECT_GE(m["hardware"]["price_usd"].get<double>(), last_price);
      last_price = m["hardware"]["price_usd"].get<double>();
    }
  }
  const auto table = run_memwall({"plan", "--model", "llama-3.1-8b", "--context", "8192", "--users", "4",
                                  "--min-tok-s", "20"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("cheapest first"), std::string::npos);
}

// --quant with a GGUF file: a float file is requantized to each scheme (the engine's policy on the
// file's tensors, so the same bytes as the preset synthesized at that scheme); a quantized file
// takes only its own scheme, anything else is a usage error.
class FitCliFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("fit-cli-files");
    for (const char* type : {"F16", "Q4_0"}) {
      const auto r = run_memwall({"model", "synth", "--preset", "tiny-llama", "--type", type, "-o", file(type)});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string file(const std::string& type) const { return (dir_ / ("tiny-" + type + ".gguf")).string(); }
  std::filesystem::path dir_;
};

double weights(const nlohmann::json& row) { return row["memory"]["weights"].get<double>(); }

TEST_F(FitCliFiles, AFloatFileIsRequantizedToEachScheme) {
  const auto r = run_memwall({"fit", "--hardware", "rtx-4090", "--model", file("F16"), "--quant", "Q4_0,Q8_0", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["rows"].size(), 2u);
  EXPECT_EQ(j["rows"][0]["model"]["scheme"], "Q8_0");
  EXPECT_EQ(j["rows"][1]["model"]["scheme"], "Q4_0");
  const auto preset = run_memwall({"fit", "--hardware", "rtx-4090", "--model", "tiny-llama", "--quant", "Q4_0,Q8_0", "--json"});
  ASSERT_EQ(preset.exit_code, 0) << preset.err;
  const nlohmann::json p = nlohmann::json::parse(preset.out);
  EXPECT_EQ(weights(j["rows"][0]), weights(p["rows"][0]));
  EXPECT_EQ(weights(j["rows"][1]), weights(p["rows"][1]));
}

TEST_F(FitCliFiles, AQuantizedFileTakesOnlyItsOwnScheme) {
  const auto own = run_memwall({"fit", "--hardware", "rtx-4090", "--model", file("Q4_0"), "--quant", "Q4_0", "--json"});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  const auto other = run_memwall({"fit", "--hardware", "rtx-4090", "--model", file("Q4_0"), "--quant", "Q8_0"});
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_EQ(lines(other.err), 1u) << other.err;
  EXPECT_NE(other.err.find("already quantized"), std::string::npos) << other.err;
  EXPECT_TRUE(other.out.empty());
}

}  // namespace
}  // namespace memwall
