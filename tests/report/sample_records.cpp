#include "sample_records.hpp"

#include <gtest/gtest.h>

#include "memwall/report/records.hpp"

namespace memwall::report::testing {

std::string data_dir() { return std::string(MEMWALL_SOURCE_DIR) + "/tests/report/data"; }
std::string golden_dir() { return std::string(MEMWALL_SOURCE_DIR) + "/tests/report/golden"; }
std::string sample_path() { return data_dir() + "/sample.jsonl"; }

std::vector<nlohmann::json> sample_records() {
  Result<std::vector<nlohmann::json>> records = read_records(sample_path());
  EXPECT_TRUE(records.ok()) << records.error().message;
  return records.ok() ? *records : std::vector<nlohmann::json>{};
}

}  // namespace memwall::report::testing
