// memwall check end to end: the binary on generated JSON Lines files.
#include <gtest/gtest.h>

#include <filesystem>

#include "generated_runs.hpp"
#include "memwall/util/files.hpp"
#include "support/schema.hpp"
#include "support/subprocess.hpp"

namespace memwall::check {
namespace {

using memwall::testing::run_memwall;
using testing::RecordSpec;

class CheckCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = memwall::testing::make_temp_dir("memwall-check"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    EXPECT_TRUE(write_file_atomic(path, text).ok());
    return path;
  }

  // Q4_0 and Q8_0 tg points and a pp point; `q8_factor` scales Q8_0's throughput.
  std::string runs(const std::string& name, std::uint64_t seed, double q8_factor = 1.0,
                   const std::string& fingerprint = testing::kFingerprint) {
    Rng rng(seed);
    std::vector<RecordSpec> specs(3);
    specs[0].point = testing::tg_point("Q4_0");
    specs[0].samples["tg_tok_s"] = testing::noisy(100.0, 0.01, 5, rng);
    specs[1].point = testing::tg_point("Q8_0");
    specs[1].samples["tg_tok_s"] = testing::noisy(60.0 * q8_factor, 0.01, 5, rng);
    specs[2].point = testing::pp_point("Q4_0");
    specs[2].samples["pp_tok_s"] = testing::noisy(900.0, 0.01, 5, rng);
    for (RecordSpec& s : specs) s.fingerprint = fingerprint;
    return write(name, testing::jsonl(specs));
  }

  std::string dir_;
};

TEST_F(CheckCli, NoRegressionExitsZeroWithATable) {
  const auto r =
      run_memwall({"check", "--baseline", runs("b.jsonl", 1), "--current", runs("c.jsonl", 2)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("### memwall check: no regression, 3 unchanged"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("| point | metric | baseline | current | change | noise test | verdict |"),
            std::string::npos);
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(CheckCli, RegressionExitsOne) {
  const auto r = run_memwall(
      {"check", "--baseline", runs("b.jsonl", 1), "--current", runs("c.jsonl", 2, 0.85)});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("### memwall check: 1 regression, 2 unchanged"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| preset:tiny-llama Q8_0 tg32 t2 | tg tok/s |"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("**regression**"), std::string::npos) << r.out;
}

TEST_F(CheckCli, ImprovementExitsZero) {
  const auto r = run_memwall(
      {"check", "--baseline", runs("b.jsonl", 1), "--current", runs("c.jsonl", 2, 1.2)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 improvement"), std::string::npos) << r.out;
}

TEST_F(CheckCli, ToleranceAndMetricOptionsApply) {
  const std::string b = runs("b.jsonl", 1), c = runs("c.jsonl", 2, 0.85);
  const auto loose =
      run_memwall({"check", "--baseline", b, "--current", c, "--tolerance", "5%,tg_tok_s=20%"});
  EXPECT_EQ(loose.exit_code, 0) << loose.out << loose.err;
  const auto pp_only =
      run_memwall({"check", "--baseline", b, "--current", c, "--metric", "pp_tok_s"});
  EXPECT_EQ(pp_only.exit_code, 0) << pp_only.out << pp_only.err;
  EXPECT_EQ(pp_only.out.find("tg tok/s"), std::string::npos);
}

TEST_F(CheckCli, JsonAndJunitOutputs) {
  const std::string junit = dir_ + "/check.xml";
  const auto r = run_memwall({"check", "--baseline", runs("b.jsonl", 1), "--current",
                              runs("c.jsonl", 2, 0.85), "--json", "--junit", junit});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const nlohmann::json report = nlohmann::json::parse(r.out);
  EXPECT_TRUE(
      memwall::testing::validate_against_schema(report, "check-report.v1.schema.json").ok());
  EXPECT_EQ(report["result"], "fail");
  EXPECT_EQ(report["summary"]["regressions"], 1);
  const Result<std::string> xml = read_file(junit);
  ASSERT_TRUE(xml.ok());
  EXPECT_NE(xml->find("tests=\"3\" failures=\"1\""), std::string::npos) << *xml;
}

TEST_F(CheckCli, MalformedLineIsAnInputErrorNamingFileAndLine) {
  Rng rng(3);
  const std::string good = testing::jsonl({testing::tg_run(100, 0.01, 5, rng)});
  const std::string bad =
      write("c.jsonl", good + "{\"schema\": \"memwall.bench.v1\", \"status\": \"ok\"}\n");
  const auto r = run_memwall({"check", "--baseline", runs("b.jsonl", 1), "--current", bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("memwall: error: " + bad + ":2: point: missing"), std::string::npos)
      << r.err;
  const std::string truncated = write("t.jsonl", good.substr(0, good.size() / 2));
  const auto t = run_memwall({"check", "--baseline", truncated, "--current", runs("c2.jsonl", 1)});
  EXPECT_EQ(t.exit_code, 2);
  EXPECT_NE(t.err.find(truncated + ":1: not valid JSON"), std::string::npos) << t.err;
}

TEST_F(CheckCli, UsageAndInputErrorsExitTwo) {
  const std::string b = runs("b.jsonl", 1), c = runs("c.jsonl", 2);
  const std::vector<std::vector<std::string>> cases = {
      {"check", "--baseline", b},
      {"check", "--baseline", b, "--current", dir_ + "/missing.jsonl"},
      {"check", "--baseline", b, "--current", c, "--metric", "speed"},
      {"check", "--baseline", b, "--current", c, "--tolerance", "five"},
      {"check", "--baseline", b, "--current", c, "--normalize", "bandwidth"},
      {"check", "--baseline", b, "--current", write("empty.jsonl", "")},
  };
  for (const auto& args : cases) {
    const auto r = run_memwall(args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
    EXPECT_NE(r.err.find("memwall: error: "), std::string::npos) << r.err;
  }
}

TEST_F(CheckCli, HardwareMismatchNeedsTheFlag) {
  const std::string b = runs("b.jsonl", 1), c = runs("c.jsonl", 2, 1.0, "0000111122223333");
  const auto refused = run_memwall({"check", "--baseline", b, "--current", c});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("hardware differs"), std::string::npos) << refused.err;
  const auto allowed =
      run_memwall({"check", "--baseline", b, "--current", c, "--allow-hardware-mismatch"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_NE(allowed.out.find("**Hardware differs**"), std::string::npos) << allowed.out;
  EXPECT_NE(allowed.err.find("warning: comparing different hardware"), std::string::npos)
      << allowed.err;
  const auto normalized = run_memwall({"check", "--baseline", b, "--current", c,
                                       "--allow-hardware-mismatch", "--normalize", "roofline"});
  EXPECT_EQ(normalized.exit_code, 0) << normalized.err;
  EXPECT_NE(normalized.out.find("Normalized by each run's measured read bandwidth"),
            std::string::npos);
}

TEST_F(CheckCli, HelpListsCheck) {
  const auto r = run_memwall({"--help"});
  EXPECT_NE(r.out.find("check"), std::string::npos);
  const auto help = run_memwall({"check", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--allow-hardware-mismatch"), std::string::npos);
}

}  // namespace
}  // namespace memwall::check
