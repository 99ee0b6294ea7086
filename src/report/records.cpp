#include "memwall/report/records.hpp"

#include <string>

#include "memwall/util/files.hpp"

namespace memwall::report {
namespace {

// What is wrong with one parsed line, or "" when it is a bench record this reader understands.
std::string record_problem(const nlohmann::json& record) {
  if (!record.is_object()) return "not a JSON object";
  const auto schema = record.find("schema");
  if (schema == record.end() || !schema->is_string()) {
    return "not a memwall bench record (no \"schema\" tag)";
  }
  if (schema->get<std::string>() != kBenchRecordSchema) {
    return "schema '" + schema->get<std::string>() + "' is not supported (this memwall reads " +
           std::string(kBenchRecordSchema) + ")";
  }
  const auto point = record.find("point");
  if (point == record.end() || !point->is_object())
    return "bench record without a \"point\" object";
  return {};
}

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

Result<std::vector<nlohmann::json>> parse_records(std::string_view text, std::string_view name) {
  std::vector<nlohmann::json> records;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (blank(line)) continue;
    nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (record.is_discarded()) {
      return make_error("{}:{}: not valid JSON", name, line_number);
    }
    if (std::string problem = record_problem(record); !problem.empty()) {
      return make_error("{}:{}: {}", name, line_number, problem);
    }
    records.push_back(std::move(record));
  }
  return records;
}

Result<std::vector<nlohmann::json>> read_records(const std::filesystem::path& path) {
  Result<std::string> text = read_file(path);
  if (!text.ok()) return text.error();
  return parse_records(*text, path.string());
}

}  // namespace memwall::report
