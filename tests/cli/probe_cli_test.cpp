#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "support/schema.hpp"
#include "support/subprocess.hpp"

namespace memwall {
namespace {

using testing::run_memwall;

TEST(ProbeCli, UnwritableJsonPathFailsAtOnceWithThePath) {
  const auto r = run_memwall({"probe", "--quick", "--json", "/nonexistent-dir/probe.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent-dir/probe.json"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << "nothing was measured";
}

TEST(ProbeCli, CachedWithoutACacheIsAnError) {
  const std::string cache = testing::make_temp_dir("cache");
  const auto r = run_memwall({"probe", "--cached"}, {"XDG_CACHE_HOME=" + cache});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("memwall probe"), std::string::npos) << r.err;
  std::filesystem::remove_all(cache);
}

// One real quick probe: JSON on stdout matches the schema, the result is cached under
// XDG_CACHE_HOME by fingerprint, and --cached prints the same record.
TEST(ProbeCli, QuickProbeWritesSchemaValidJsonAndCachesIt) {
  const std::string cache = testing::make_temp_dir("cache");
  const std::string env = "XDG_CACHE_HOME=" + cache;
  const auto r = run_memwall({"probe", "--quick", "--json", "-"}, {env});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json record = nlohmann::json::parse(r.out);
  const Status valid = testing::validate_against_schema(record, "probe.schema.json");
  EXPECT_TRUE(valid.ok()) << valid.error().message;
  EXPECT_TRUE(record["quick"].get<bool>());
  EXPECT_GT(record["bandwidth"]["read_gbps"].get<double>(), 0);

  const std::string fingerprint = record["fingerprint"];
  EXPECT_TRUE(std::filesystem::exists(cache + "/memwall/probe-" + fingerprint + ".json"));
  const auto cached = run_memwall({"probe", "--cached", "--json", "-"}, {env});
  ASSERT_EQ(cached.exit_code, 0) << cached.err;
  EXPECT_EQ(nlohmann::json::parse(cached.out), record);

  const auto table = run_memwall({"probe", "--cached"}, {env});
  EXPECT_NE(table.out.find("Bandwidth"), std::string::npos);
  EXPECT_NE(table.out.find(fingerprint), std::string::npos);
  std::filesystem::remove_all(cache);
}

}  // namespace
}  // namespace memwall
