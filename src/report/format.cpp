#include "memwall/report/format.hpp"

#include <array>
#include <utility>

namespace memwall::report {
namespace {

constexpr std::array<std::pair<std::string_view, Format>, 6> kFormats = {{
    {"table", Format::table},
    {"md", Format::md},
    {"csv", Format::csv},
    {"json", Format::json},
    {"jsonl", Format::jsonl},
    {"html", Format::html},
}};

}  // namespace

Result<Format> parse_format(std::string_view name) {
  if (name == "markdown") return Format::md;
  for (const auto& [known, format] : kFormats) {
    if (name == known) return format;
  }
  return make_error("unknown format '{}' (expected table, md, csv, json, jsonl or html)", name);
}

std::string_view format_name(Format format) {
  for (const auto& [name, known] : kFormats) {
    if (format == known) return name;
  }
  return "unknown";
}

}  // namespace memwall::report
