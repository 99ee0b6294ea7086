#pragma once
#include <nlohmann/json.hpp>

#include <filesystem>
#include <vector>

#include "memwall/util/result.hpp"

namespace memwall::report {

// The schema tag every bench record carries (schemas/bench-record.v1.schema.json).
inline constexpr std::string_view kBenchRecordSchema = "memwall.bench.v1";

// Reads a JSON Lines file of bench records, one per line; blank lines are skipped. A line that is
// not JSON, not an object, carries another schema tag or has no "point" object is an error naming
// "file:line". An empty file gives no records.
Result<std::vector<nlohmann::json>> read_records(const std::filesystem::path& path);

// The same, over text already read; `name` is the file name errors give.
Result<std::vector<nlohmann::json>> parse_records(std::string_view text, std::string_view name);

}  // namespace memwall::report
