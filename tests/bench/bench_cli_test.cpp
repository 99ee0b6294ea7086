// memwall bench end to end, on the tiny preset: the records it saves, its errors, Ctrl-C.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/schema.hpp"
#include "support/subprocess.hpp"

namespace memwall {
namespace {

using testing::run_memwall;

std::vector<nlohmann::json> read_lines(const std::string& path) {
  std::vector<nlohmann::json> records;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) records.push_back(nlohmann::json::parse(line));
  return records;
}

class BenchCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("bench-cli"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // Its own probe cache: the first run measures a quick probe, as on a fresh machine.
  std::vector<std::string> env() const { return {"XDG_CACHE_HOME=" + dir_}; }
  std::string dir_;
};

TEST_F(BenchCli, EngineAndServingPointsSaveRecordsThatMatchTheSchema) {
  const std::string save = dir_ + "/r.jsonl";
  auto r = run_memwall({"bench", "-m", "preset:tiny-llama", "-q", "Q4_0,Q8_0", "-p", "16", "-n", "8", "-r", "2",
                        "--save", save, "-o", "md"},
                       env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_memwall({"bench", "-m", "preset:tiny-moe", "-c", "1,3", "-p", "8", "-n", "4", "-r", "1", "--save", save,
                   "-o", "csv"},
                  env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("preset:tiny-moe,Q4_0,engine,,serve,"), std::string::npos) << r.out;  // CSV rows
  const auto records = read_lines(save);
  ASSERT_EQ(records.size(), 6u);  // pp16 and tg8 at two schemes, then two serving points
  for (const nlohmann::json& rec : records) {
    const Status valid = testing::validate_against_schema(rec, "bench-record.v1.schema.json");
    EXPECT_TRUE(valid.ok()) << valid.error().message;
    EXPECT_EQ(rec["status"], "ok") << rec.dump();
    EXPECT_FALSE(rec["provenance"]["isa"].get<std::string>().empty());
  }
  EXPECT_EQ(records[0]["point"]["test"], "pp");
  EXPECT_EQ(records[0]["samples"]["pp_tok_s"].size(), 2u);
  EXPECT_GT(records[1]["stats"]["tg_tok_s"]["median"].get<double>(), 0);
  EXPECT_EQ(records[2]["point"]["scheme"], "Q8_0");
  const nlohmann::json& serve = records[5];
  EXPECT_EQ(serve["point"]["concurrency"], 3);
  EXPECT_EQ(serve["requests"]["ok"], 12);
  EXPECT_GT(serve["stats"]["ttft_ms"]["p99"].get<double>(), 0);
  EXPECT_GT(serve["roofline"]["efficiency"].get<double>(), 0);
}

TEST_F(BenchCli, BadListsAreUsageErrorsNamingTheValue) {
  auto r = run_memwall({"bench", "-m", "preset:tiny-llama", "-c", "4-1"}, env());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'4-1'"), std::string::npos) << r.err;
  r = run_memwall({"bench", "-m", "preset:tiny-llama", "-q", "Q9_X"}, env());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("Q9_X"), std::string::npos) << r.err;
  r = run_memwall({"bench", "--profile", "nope"}, env());
  EXPECT_EQ(r.exit_code, 2);
  r = run_memwall({"bench", "-m", "preset:tiny-llama", "-o", "xml"}, env());
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(BenchCli, PrefillBudgetIsASweepDimensionRecordedWithEachPoint) {
  const std::string save = dir_ + "/r.jsonl";
  const auto r = run_memwall({"bench", "-m", "preset:tiny-llama", "-c", "2", "-p", "16", "-n", "4", "-r", "1",
                              "--prefill-budget", "4,512", "--save", save, "-o", "md"},
                             env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("c2 p16 n4 b4"), std::string::npos) << r.out;  // the default stays unnamed
  const auto records = read_lines(save);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["point"]["prefill_budget"], 4);
  EXPECT_EQ(records[1]["point"]["prefill_budget"], 512);
  for (const nlohmann::json& rec : records) {
    const Status valid = testing::validate_against_schema(rec, "bench-record.v1.schema.json");
    EXPECT_TRUE(valid.ok()) << valid.error().message;
    EXPECT_EQ(rec["requests"]["ok"], 8) << rec.dump();
  }
}

TEST_F(BenchCli, PrefillBudgetOutsideItsRangeOrWithAServerIsAUsageError) {
  for (const char* budget : {"0", "9000", "x"}) {
    const auto r = run_memwall({"bench", "-m", "preset:tiny-llama", "--prefill-budget", budget}, env());
    EXPECT_EQ(r.exit_code, 2) << budget;
    EXPECT_NE(r.err.find("--prefill-budget"), std::string::npos) << r.err;
  }
  const auto r = run_memwall(
      {"bench", "--endpoint", "http://127.0.0.1:9", "-m", "m", "-c", "1", "--prefill-budget", "64"}, env());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--prefill-budget does not apply to --endpoint"), std::string::npos) << r.err;
}

TEST_F(BenchCli, TrackBandwidthRecordsTheReadAroundEachDecodePoint) {
  const std::string save = dir_ + "/r.jsonl";
  const auto r = run_memwall({"bench", "-m", "preset:tiny-llama", "-p", "8", "-n", "4", "-r", "2", "--warmup", "0",
                              "--track-bandwidth", "--save", save, "-o", "md"},
                             env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("GB/s read around it"), std::string::npos) << r.out;
  const auto records = read_lines(save);
  ASSERT_EQ(records.size(), 2u);
  // pp is bound by compute: the compute peak around it, no read.
  EXPECT_FALSE(records[0]["roofline"].contains("read_gbs_around"));
  EXPECT_EQ(records[0]["roofline"]["compute_gops_around"]["n"], 3);
  EXPECT_GT(records[0]["roofline"]["prefill_efficiency_around"].get<double>(), 0);
  EXPECT_NE(r.out.find("GOPS compute around it"), std::string::npos) << r.out;
  const nlohmann::json& tg = records[1]["roofline"];
  EXPECT_EQ(tg["read_gbs_around"]["n"], 3);  // before each of the 2 repetitions and after the last
  EXPECT_GT(tg["read_gbs_around"]["median"].get<double>(), 0);
  EXPECT_GT(tg["efficiency_around"].get<double>(), 0);
  // Beside each read, on two or more cores, the round trip between the first two.
  if (records[1]["provenance"]["threads"].get<int>() > 1) {
    EXPECT_EQ(tg["core_round_trip_ns_around"]["n"], 3);
    EXPECT_GT(tg["core_round_trip_ns_around"]["min"].get<double>(), 0);
  } else {
    EXPECT_FALSE(tg.contains("core_round_trip_ns_around"));
  }
  // The prediction beside the tg point is for the bandwidth the run had; pp's for the probe's.
  EXPECT_NE(records[1]["prediction"]["basis"].get<std::string>().find("GB/s (read around the run)"), std::string::npos)
      << records[1]["prediction"];
  EXPECT_NE(records[0]["prediction"]["basis"].get<std::string>().find("GB/s (measured)"), std::string::npos)
      << records[0]["prediction"];
  for (const nlohmann::json& rec : records) {
    const Status valid = testing::validate_against_schema(rec, "bench-record.v1.schema.json");
    EXPECT_TRUE(valid.ok()) << valid.error().message;
  }
  const auto endpoint = run_memwall(
      {"bench", "--endpoint", "http://127.0.0.1:9", "-m", "m", "-c", "1", "--track-bandwidth"}, env());
  EXPECT_EQ(endpoint.exit_code, 2);
  EXPECT_NE(endpoint.err.find("--track-bandwidth does not apply to --endpoint"), std::string::npos) << endpoint.err;
}

// A calibration fitted against the probe alone, used beside tracked points, is said once; one
// fitted on tracked records is not.
TEST_F(BenchCli, TrackingWithACalibrationOfTheProbeAloneIsAWarning) {
  const std::string save = dir_ + "/r.jsonl", plain = dir_ + "/plain.jsonl";
  const std::vector<std::string> tracked = {"bench", "-m", "preset:tiny-llama", "-p", "0", "-n", "4", "-r", "2",
                                            "--warmup", "0", "--track-bandwidth", "-o", "md"};
  std::vector<std::string> saving = tracked;
  for (const char* arg : {"--save", save.c_str()}) saving.push_back(arg);
  auto r = run_memwall(saving, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    // The reads around a run on a busy machine may differ by more than the calibration takes
    // (fit's kMovedSpread), and so may the cores' round trips beside them (kMovedRoundTrip); held
    // at their medians, the records stay usable whatever they were.
    const std::vector<nlohmann::json> records = read_lines(save);
    std::ofstream out(plain), steady(save);
    for (nlohmann::json rec : records) {
      for (const char* sampled : {"read_gbs_around", "core_round_trip_ns_around"}) {
        if (!rec["roofline"].contains(sampled)) continue;
        nlohmann::json& around = rec["roofline"][sampled];
        around["min"] = around["max"] = around["median"];
      }
      steady << rec.dump() << '\n';
      rec["roofline"].erase("read_gbs_around");
      out << rec.dump() << '\n';
    }
  }
  const std::string warning = "the stored calibration was fitted against the cached probe";
  r = run_memwall({"fit", "--calibrate", plain}, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_memwall(tracked, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(warning), std::string::npos) << r.err;
  r = run_memwall({"fit", "--calibrate", save}, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_memwall(tracked, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find(warning), std::string::npos) << r.err;
}

// The cached probe's all-core read spread from 20 to 50 GB/s, and its int8 peak from 1000 to 2000
// GOPS: bench says so once, unless it tracks the bandwidth (and compute) itself.
TEST_F(BenchCli, AnUnsteadyProbeReadOrPeakIsAWarningUnlessBandwidthIsTracked) {
  const std::vector<std::string> args = {"bench", "-m", "preset:tiny-llama", "-p", "0", "-n", "4", "-r", "1", "-o", "md"};
  ASSERT_EQ(run_memwall(args, env()).exit_code, 0);  // measures and caches a quick probe
  std::filesystem::path cached;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/memwall")) {
    if (entry.path().filename().string().rfind("probe-", 0) == 0) cached = entry.path();
  }
  ASSERT_FALSE(cached.empty());
  nlohmann::json probe = nlohmann::json::parse(std::ifstream(cached));
  const unsigned cores = probe["topology"]["physical_cores"].get<unsigned>();
  for (nlohmann::json& point : probe["bandwidth"]["points"]) {
    if (point["kernel"] == "read" && point["threads"] == cores) point["samples_gbps"] = {20.0, 50.0, 35.0};
  }
  probe["compute"]["int8"]["samples_gops"] = {2000.0, 1000.0};
  std::ofstream(cached) << probe.dump();

  auto r = run_memwall(args, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: the all-core read ran at 20.0 to 50.0 GB/s"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("warning: the all-core int8-dot peak ran at 1000 to 2000 GOPS"), std::string::npos) << r.err;
  std::vector<std::string> tracked = args;
  tracked.push_back("--track-bandwidth");
  r = run_memwall(tracked, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("the all-core read ran at"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("peak ran at"), std::string::npos) << r.err;
}

TEST_F(BenchCli, AFailingPointIsRecordedAndTheSweepGoesOn) {
  const std::string save = dir_ + "/r.jsonl";
  const auto r = run_memwall({"bench", "-m", dir_ + "/missing.gguf,preset:tiny-llama", "-p", "0", "-n", "4", "-r",
                              "1", "--save", save},
                             env());
  EXPECT_EQ(r.exit_code, 1);
  const auto records = read_lines(save);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["status"], "failed");
  EXPECT_NE(records[0]["reason"].get<std::string>().find("missing.gguf"), std::string::npos);
  EXPECT_EQ(records[1]["status"], "ok");
}

TEST_F(BenchCli, CtrlCKeepsFinishedPointsAndExits130) {
  const std::string save = dir_ + "/r.jsonl";
  // The first point takes a moment; the second would take minutes.
  const auto r = run_memwall(
      {"bench", "-m", "preset:tiny-llama", "-p", "0", "-n", "4,1000000", "-r", "1", "--save", save}, env(),
      [&](pid_t pid) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (std::chrono::steady_clock::now() < deadline) {
          std::ifstream in(save);
          std::string line;
          if (std::getline(in, line) && !line.empty() && line.back() == '}') break;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        kill(pid, SIGINT);
      });
  EXPECT_EQ(r.exit_code, 130) << r.err;
  const auto records = read_lines(save);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["status"], "ok");
  EXPECT_NE(r.out.find("tg4"), std::string::npos) << r.out;  // the table so far
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace memwall
