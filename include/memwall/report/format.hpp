#pragma once
#include <string_view>

#include "memwall/util/result.hpp"

namespace memwall::report {

// The shapes bench records can be written in. table, md, csv and jsonl stream a row per record;
// json and html need every record and are written at the end.
enum class Format { table, md, csv, json, jsonl, html };

// "table", "md" (or "markdown"), "csv", "json", "jsonl", "html"; anything else is an error naming
// the value and the accepted names.
Result<Format> parse_format(std::string_view name);

std::string_view format_name(Format format);

}  // namespace memwall::report
