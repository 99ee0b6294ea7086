// `memwall bench --endpoint` against `memwall serve`, both the real binary, on a free loopback port.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "support/schema.hpp"
#include "support/subprocess.hpp"

namespace memwall {
namespace {

TEST(BenchEndpoint, MeasuresMemwallServeAndKeepsTheKeySecret) {
  testing::ChildProcess server({MEMWALL_BINARY, "serve", "--model", "preset:tiny-llama", "--port", "0", "--threads", "1"});
  const int port = testing::port_of(server.first_line(60'000));
  ASSERT_NE(port, 0);
  const std::string dir = testing::make_temp_dir("bench-endpoint"), save = dir + "/r.jsonl";
  const std::string secret = "sk-test-5ecret-never-shown";
  for (const char* api : {"openai-completions", "openai-chat"}) {
    const auto r = testing::run_memwall({"bench", "--endpoint", "http://127.0.0.1:" + std::to_string(port), "-m",
                                         "preset:tiny-llama", "--api", api, "-c", "1,3", "-p", "16", "-n", "8", "-r",
                                         "1", "--requests", "6", "--api-key-env", "MEMWALL_TEST_KEY", "--proxy", "",
                                         "--save", save},
                                        {"MEMWALL_TEST_KEY=" + secret});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find(secret), std::string::npos);
    EXPECT_EQ(r.err.find(secret), std::string::npos);
  }
  std::ifstream in(save);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find(secret), std::string::npos);
  std::istringstream lines(text);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    const nlohmann::json rec = nlohmann::json::parse(line);
    const Status valid = testing::validate_against_schema(rec, "bench-record.v1.schema.json");
    EXPECT_TRUE(valid.ok()) << valid.error().message;
    EXPECT_EQ(rec["status"], "ok");
    EXPECT_EQ(rec["requests"]["ok"], 6);
    EXPECT_EQ(rec["requests"]["failed"], 0);
    EXPECT_EQ(rec["stats"]["ttft_ms"]["n"], 6);
    EXPECT_GT(rec["stats"]["agg_tok_s"]["median"].get<double>(), 0);
    EXPECT_EQ(rec["provenance"]["isa"], "server");
  }
  EXPECT_EQ(n, 4);
  EXPECT_EQ(server.stop(SIGTERM, 10'000), 0);
  std::filesystem::remove_all(dir);
}

TEST(BenchEndpoint, AServerThatRefusesMarksThePointFailed) {
  const auto r = testing::run_memwall({"bench", "--endpoint", "http://127.0.0.1:1", "-m", "x", "-c", "2", "-p", "8",
                                       "-n", "4", "-r", "1", "--proxy", "", "-o", "jsonl"});
  EXPECT_EQ(r.exit_code, 1);
  const nlohmann::json rec = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
  EXPECT_EQ(rec["status"], "failed");
  EXPECT_GT(rec["requests"]["errors"]["connect_refused"].get<int>(), 0);
}

TEST(BenchEndpoint, EngineOnlyFlagsAreUsageErrors) {
  EXPECT_EQ(testing::run_memwall({"bench", "--endpoint", "http://127.0.0.1:1", "-m", "x", "-q", "Q4_0"}).exit_code, 2);
  EXPECT_EQ(testing::run_memwall({"bench", "--endpoint", "http://127.0.0.1:1", "-m", "x", "-d", "100"}).exit_code, 2);
  EXPECT_EQ(testing::run_memwall({"bench", "--endpoint", "http://127.0.0.1:1", "-m", "x", "--api", "grpc"}).exit_code, 2);
}

}  // namespace
}  // namespace memwall
