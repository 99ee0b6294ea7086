#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "memwall/util/files.hpp"
#include "support/schema.hpp"
#include "support/subprocess.hpp"

namespace memwall {
namespace {

using testing::run_memwall;

std::size_t lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

class ModelCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("model-cli"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(ModelCli, SynthInfoQuantizeRoundTrip) {
  const auto synth = run_memwall({"model", "synth", "--preset", "tiny-llama", "--type", "F16", "-o", path("f16.gguf")});
  ASSERT_EQ(synth.exit_code, 0) << synth.err;
  EXPECT_NE(synth.out.find("f16.gguf"), std::string::npos);

  const auto info = run_memwall({"model", "info", path("f16.gguf"), "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const nlohmann::json j = nlohmann::json::parse(info.out);
  const Status valid = testing::validate_against_schema(j, "model-info.schema.json");
  EXPECT_TRUE(valid.ok()) << valid.error().message;
  EXPECT_EQ(j["scheme"], "F16");

  const auto table = run_memwall({"model", "info", path("f16.gguf")});
  EXPECT_NE(table.out.find("Tensors by type"), std::string::npos);

  const auto q = run_memwall({"model", "quantize", path("f16.gguf"), path("q4.gguf"), "--type", "Q4_K_M"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  const auto qinfo = run_memwall({"model", "info", path("q4.gguf"), "--json"});
  EXPECT_EQ(nlohmann::json::parse(qinfo.out)["scheme"], "Q4_K_M");

  const auto again = run_memwall({"model", "quantize", path("q4.gguf"), path("q8.gguf"), "--type", "Q8_0"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("already quantized"), std::string::npos) << again.err;
}

TEST_F(ModelCli, BadInputIsOneLineNamingTheFileAndExit1) {
  std::ofstream(path("not.gguf")) << "this is not a GGUF file at all";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"model", "info", path("missing.gguf")},
           {"model", "info", path("not.gguf")},
           {"model", "quantize", path("missing.gguf"), path("out.gguf"), "--type", "Q4_0"}}) {
    const auto r = run_memwall(args);
    EXPECT_EQ(r.exit_code, 1) << args[2];
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find(args[2]), std::string::npos) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(path("out.gguf")));
}

TEST_F(ModelCli, TruncatedFileIsAnErrorNotACrash) {
  ASSERT_EQ(run_memwall({"model", "synth", "--preset", "tiny-llama", "--type", "Q4_0", "-o", path("m.gguf")}).exit_code, 0);
  const std::string bytes = read_file(path("m.gguf")).value();
  for (std::size_t cut : {std::size_t{10}, bytes.size() / 3, bytes.size() - 1}) {
    std::ofstream(path("cut.gguf"), std::ios::binary) << bytes.substr(0, cut);
    const auto r = run_memwall({"model", "info", path("cut.gguf")});
    EXPECT_EQ(r.exit_code, 1) << cut;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
  }
}

TEST_F(ModelCli, UnknownSchemeOrPresetIsExit1AndWritesNothing) {
  const auto scheme = run_memwall({"model", "synth", "--preset", "tiny-llama", "--type", "Q4_K_XL", "-o", path("x.gguf")});
  EXPECT_EQ(scheme.exit_code, 1);
  EXPECT_NE(scheme.err.find("Q4_K_XL"), std::string::npos);
  const auto preset = run_memwall({"model", "synth", "--preset", "llama-9", "--type", "Q4_0", "-o", path("x.gguf")});
  EXPECT_EQ(preset.exit_code, 1);
  EXPECT_NE(preset.err.find("llama-9"), std::string::npos);
  EXPECT_EQ(lines(preset.err), 1u);
  EXPECT_FALSE(std::filesystem::exists(path("x.gguf")));
}

TEST_F(ModelCli, MissingRequiredOptionIsAUsageError) {
  const auto r = run_memwall({"model", "synth", "--preset", "tiny-llama", "-o", path("x.gguf")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_EQ(run_memwall({"model"}).exit_code, 2);
}

TEST_F(ModelCli, UnwritableOutputFailsAndLeavesNoFile) {
  const auto r = run_memwall({"model", "synth", "--preset", "tiny-llama", "--type", "Q4_0", "-o", "/nonexistent-dir/m.gguf"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent-dir/m.gguf"), std::string::npos) << r.err;
}

TEST_F(ModelCli, PresetsListsThem) {
  const auto r = run_memwall({"model", "presets"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("llama-3.1-8b"), std::string::npos);
  EXPECT_NE(r.out.find("qwen3-30b-a3b"), std::string::npos);
}

}  // namespace
}  // namespace memwall
