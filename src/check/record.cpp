#include "memwall/check/record.hpp"

#include <fmt/format.h>

#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>

#include "memwall/util/files.hpp"

namespace memwall::check {
namespace {

using nlohmann::json;

constexpr auto kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// Reads fields of a record, keeping the first structural error. After an error the getters return
// defaults, so parsing reads top to bottom and the caller checks once at the end.
class FieldReader {
 public:
  bool failed() const { return error_.has_value(); }
  const Error& error() const { return *error_; }

  // The member `key` of `object`, or nullptr when absent; an error unless it is an object when
  // `required` (or present).
  const json* object(const json& object, std::string_view parent, std::string_view key,
                     bool required) {
    const json* value = member(object, parent, key, required);
    if (!value || value->is_object()) return value;
    fail(parent, key, "expected an object");
    return nullptr;
  }

  // A string; absent or null gives "" unless required.
  std::string string(const json& object, std::string_view parent, std::string_view key,
                     bool required) {
    const json* value = member(object, parent, key, required);
    if (!value || (value->is_null() && !required)) return {};
    if (value->is_string()) return value->get<std::string>();
    fail(parent, key, "expected a string");
    return {};
  }

  std::string one_of(const json& object, std::string_view parent, std::string_view key,
                     std::initializer_list<std::string_view> allowed) {
    std::string value = string(object, parent, key, true);
    if (failed()) return value;
    for (std::string_view a : allowed) {
      if (value == a) return value;
    }
    fail(parent, key, fmt::format("'{}' is not one of: {}", value, fmt::join(allowed, ", ")));
    return value;
  }

  // An integer >= minimum; absent or null gives nullopt unless required.
  std::optional<std::int64_t> integer(const json& object, std::string_view parent,
                                      std::string_view key, std::int64_t minimum, bool required) {
    const json* value = member(object, parent, key, required);
    if (!value || (value->is_null() && !required)) return std::nullopt;
    const bool too_large = value->is_number_unsigned() && value->get<std::uint64_t>() > kInt64Max;
    if (!value->is_number_integer() || too_large) {
      fail(parent, key, "expected an integer");
      return std::nullopt;
    }
    const auto v = value->get<std::int64_t>();
    if (v < minimum) fail(parent, key, fmt::format("expected an integer of at least {}", minimum));
    return v;
  }

  std::optional<double> number(const json& object, std::string_view parent, std::string_view key,
                               bool required) {
    const json* value = member(object, parent, key, required);
    if (!value || (value->is_null() && !required)) return std::nullopt;
    if (value->is_number()) return value->get<double>();
    fail(parent, key, "expected a number");
    return std::nullopt;
  }

  void fail(std::string_view parent, std::string_view key, const std::string& problem) {
    if (!error_) error_ = Error{fmt::format("{}: {}", path(parent, key), problem)};
  }

  static std::string path(std::string_view parent, std::string_view key) {
    return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
  }

 private:
  const json* member(const json& object, std::string_view parent, std::string_view key,
                     bool required) {
    if (failed()) return nullptr;
    const auto it = object.find(std::string(key));
    if (it == object.end()) {
      if (required) fail(parent, key, "missing");
      return nullptr;
    }
    return &*it;
  }

  std::optional<Error> error_;
};

PointKey read_point(FieldReader& r, const json& p, std::optional<std::int64_t>& repetitions) {
  PointKey k;
  k.backend =
      r.one_of(p, "point", "backend", {"engine", "openai-completions", "openai-chat", "ollama"});
  k.endpoint = r.string(p, "point", "endpoint", false);
  k.model = r.string(p, "point", "model", true);
  k.scheme = r.string(p, "point", "scheme", true);
  k.test = r.one_of(p, "point", "test", {"pp", "tg", "serve"});
  k.threads = r.integer(p, "point", "threads", 0, true).value_or(0);
  k.concurrency = r.integer(p, "point", "concurrency", 1, false);
  k.rate = r.number(p, "point", "rate", false);
  if (k.rate && *k.rate < 0) r.fail("point", "rate", "expected at least 0");
  k.prompt = r.integer(p, "point", "prompt", 0, true).value_or(0);
  k.gen = r.integer(p, "point", "gen", 0, true).value_or(0);
  k.depth = r.integer(p, "point", "depth", 0, true).value_or(0);
  k.kv_type = r.one_of(p, "point", "kv_type", {"f16", "q8_0", "f32", "server"});
  k.prefill_budget = r.integer(p, "point", "prefill_budget", 1, false);
  if (!k.prefill_budget && k.backend == "engine") k.prefill_budget = kEngineDefaultPrefillBudget;
  repetitions = r.integer(p, "point", "repetitions", 1, false);
  (void)r.integer(p, "point", "requests", 1, false);
  return k;
}

std::map<std::string, StatBlock> read_stats(FieldReader& r, const json& stats) {
  std::map<std::string, StatBlock> out;
  for (const auto& [metric, block] : stats.items()) {
    const std::string parent = "stats." + metric;
    if (!block.is_object()) {
      r.fail("stats", metric, "expected an object");
      break;
    }
    StatBlock s;
    s.n = r.integer(block, parent, "n", 0, true).value_or(0);
    s.median = r.number(block, parent, "median", true).value_or(0);
    s.mean = r.number(block, parent, "mean", true).value_or(0);
    s.stddev = r.number(block, parent, "stddev", false);
    s.cv = r.number(block, parent, "cv", false);
    for (const char* other : {"min", "max", "p50"}) (void)r.number(block, parent, other, false);
    s.p90 = r.number(block, parent, "p90", false);
    s.p99 = r.number(block, parent, "p99", false);
    if (r.failed()) break;
    out.emplace(metric, s);
  }
  return out;
}

std::map<std::string, std::vector<double>> read_samples(FieldReader& r, const json& samples) {
  std::map<std::string, std::vector<double>> out;
  for (const auto& [metric, values] : samples.items()) {
    if (!values.is_array()) {
      r.fail("samples", metric, "expected an array of numbers");
      break;
    }
    std::vector<double>& v = out[metric];
    for (std::size_t i = 0; i < values.size() && !r.failed(); ++i) {
      if (!values[i].is_number())
        r.fail("samples", fmt::format("{}[{}]", metric, i), "expected a number");
      else
        v.push_back(values[i].get<double>());
    }
    if (r.failed()) break;
  }
  return out;
}

Provenance read_provenance(FieldReader& r, const json& p) {
  Provenance out;
  out.memwall_version = r.string(p, "provenance", "memwall_version", true);
  out.git_commit = r.string(p, "provenance", "git_commit", true);
  for (const char* key : {"build_type", "compiler", "isa"})
    (void)r.string(p, "provenance", key, true);
  out.cpu_model = r.string(p, "provenance", "cpu_model", true);
  out.hardware_fingerprint = r.string(p, "provenance", "hardware_fingerprint", true);
  out.timestamp = r.string(p, "provenance", "timestamp", true);
  (void)r.integer(p, "provenance", "threads", 0, false);
  return out;
}

// Sections check does not read still have to have the schema's shape.
void check_other_sections(FieldReader& r, const json& line) {
  for (const char* key : {"model", "memory", "requests", "outliers"})
    (void)r.object(line, "", key, false);
  if (line.contains("prediction") && !line["prediction"].is_null()) {
    (void)r.object(line, "", "prediction", false);
  }
  if (line.contains("warnings") && !line["warnings"].is_array()) {
    r.fail("", "warnings", "expected an array of strings");
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the rest is what matters.
std::string parse_problem(const json::parse_error& e) {
  std::string_view what = e.what();
  if (const auto close = what.find("] "); close != std::string_view::npos)
    what.remove_prefix(close + 2);
  return std::string(what);
}

}  // namespace

std::string point_label(const PointKey& p) {
  std::string label = fmt::format("{} {} ", p.model, p.scheme);
  if (p.test == "pp") {
    label += fmt::format("pp{}", p.prompt);
    if (p.gen > 0) label += fmt::format(" g{}", p.gen);
  } else if (p.test == "tg") {
    label += fmt::format("tg{}", p.gen);
    if (p.prompt > 0) label += fmt::format(" p{}", p.prompt);
  } else {
    label += "serve";
    if (p.concurrency) label += fmt::format(" c{}", *p.concurrency);
    if (p.rate) label += fmt::format(" r{:g}/s", *p.rate);
    label += fmt::format(" p{} g{}", p.prompt, p.gen);
  }
  if (p.depth > 0) label += fmt::format(" d{}", p.depth);
  if (p.threads > 0) label += fmt::format(" t{}", p.threads);
  if (p.kv_type != "f16" && p.kv_type != "server") label += " kv=" + p.kv_type;
  if (p.prefill_budget && *p.prefill_budget != kEngineDefaultPrefillBudget) {
    label += fmt::format(" budget={}", *p.prefill_budget);
  }
  if (p.backend != "engine") label += " via " + p.backend;
  if (!p.endpoint.empty()) label += " " + p.endpoint;
  return label;
}

Result<Record> parse_record(const json& line) {
  if (!line.is_object()) return make_error("expected a JSON object");
  FieldReader r;
  Record rec;
  const std::string schema = r.string(line, "", "schema", true);
  if (!r.failed() && schema != "memwall.bench.v1") {
    r.fail("", "schema", fmt::format("'{}' is not memwall.bench.v1", schema));
  }
  rec.status = r.one_of(line, "", "status", {"ok", "failed", "skipped"});
  rec.reason = r.string(line, "", "reason", false);
  const json* point = r.object(line, "", "point", true);
  if (point) rec.point = read_point(r, *point, rec.repetitions);
  const json* stats = r.object(line, "", "stats", true);
  if (stats) rec.stats = read_stats(r, *stats);
  const json* samples = r.object(line, "", "samples", true);
  if (samples) rec.samples = read_samples(r, *samples);
  if (const json* roofline = r.object(line, "", "roofline", false)) {
    rec.read_gbs = r.number(*roofline, "roofline", "read_gbs", false);
    if (const json* around = r.object(*roofline, "roofline", "read_gbs_around", false)) {
      rec.read_gbs_around = r.number(*around, "roofline.read_gbs_around", "median", true);
    }
  }
  const json* provenance = r.object(line, "", "provenance", true);
  if (provenance) rec.provenance = read_provenance(r, *provenance);
  check_other_sections(r, line);
  if (r.failed()) return r.error();
  return rec;
}

Result<RecordFile> parse_records(const std::string& text, const std::string& path) {
  RecordFile file{path, {}};
  std::size_t line_number = 0;
  for (std::size_t begin = 0; begin < text.size();) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    ++line_number;
    const std::string_view line = trim(std::string_view(text).substr(begin, end - begin));
    begin = end + 1;
    if (line.empty()) continue;
    json document;
    try {
      document = json::parse(line);
    } catch (const json::parse_error& e) {
      return make_error("{}:{}: not valid JSON: {}", path, line_number, parse_problem(e));
    }
    Result<Record> record = parse_record(document);
    if (!record.ok()) return make_error("{}:{}: {}", path, line_number, record.error().message);
    record->line = line_number;
    file.records.push_back(std::move(*record));
  }
  if (file.records.empty()) return make_error("{}: no records (an empty results file)", path);
  return file;
}

Result<RecordFile> load_records(const std::string& path) {
  Result<std::string> text = read_file(path);
  if (!text.ok()) return text.error();
  return parse_records(*text, path);
}

}  // namespace memwall::check
