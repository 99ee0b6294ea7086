#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace memwall::report::testing {

// tests/report/data/sample.jsonl: one model at Q4_0 and Q8_0 — pp, tg (one at depth 1024) and
// serving at 1, 2 and 4 users, one serving point with a request error and a warning — plus an F16
// pp point that failed and a serving point skipped because its KV cache would not fit.
std::string sample_path();
std::vector<nlohmann::json> sample_records();

// The test-data and golden directories of the source tree.
std::string data_dir();
std::string golden_dir();

}  // namespace memwall::report::testing
