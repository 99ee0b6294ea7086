// CSV for spreadsheets and scripts: every field of the point, every statistic of every metric, one
// flat row per record with the same columns whatever the test; numbers at full precision.
#include <fmt/format.h>

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "record_fields.hpp"
#include "sink.hpp"

namespace memwall::report {
namespace {

constexpr std::array kMetrics = {"pp_tok_s", "tg_tok_s", "agg_tok_s", "per_user_tok_s", "ttft_ms",
                                 "queue_ms", "tpot_ms",  "itl_ms",    "e2e_ms"};
constexpr std::array kStatFields = {"median", "mean", "stddev", "cv", "p50", "p90", "p99", "n"};

struct CsvColumn {
  std::string name;
  std::function<std::string(const nlohmann::json&)> cell;
};

// A scalar as CSV text: strings as they are, numbers in their shortest exact form, "" if absent.
std::string scalar_text(const nlohmann::json* value) {
  if (value == nullptr) return {};
  if (value->is_string()) return value->get<std::string>();
  if (value->is_number_integer()) return value->dump();
  if (value->is_number()) return fmt::format("{}", value->get<double>());
  if (value->is_boolean()) return value->get<bool>() ? "true" : "false";
  return json_line(*value);
}

CsvColumn field(std::string name, std::string path) {
  return {std::move(name),
          [path = std::move(path)](const nlohmann::json& r) { return scalar_text(find(r, path)); }};
}

// "timeout=2;http_500=1": failed requests by kind.
std::string request_errors(const nlohmann::json& record) {
  const nlohmann::json* errors = find(record, "requests.errors");
  if (errors == nullptr || !errors->is_object()) return {};
  std::vector<std::string> kinds;
  for (const auto& [kind, count] : errors->items()) kinds.push_back(kind + "=" + count.dump());
  return fmt::format("{}", fmt::join(kinds, ";"));
}

std::string warnings(const nlohmann::json& record) {
  const nlohmann::json* list = find(record, "warnings");
  if (list == nullptr || !list->is_array()) return {};
  std::vector<std::string> texts;
  for (const nlohmann::json& warning : *list) texts.push_back(scalar_text(&warning));
  return fmt::format("{}", fmt::join(texts, "; "));
}

std::vector<CsvColumn> csv_columns(bool predicted) {
  std::vector<CsvColumn> columns = {field("status", "status"), field("reason", "reason")};
  for (const char* name :
       {"model", "scheme", "backend", "endpoint", "test", "threads", "concurrency", "rate",
        "prompt", "gen", "depth", "kv_type", "prefill_budget", "repetitions", "requests"}) {
    columns.push_back(field(name, std::string("point.") + name));
  }
  for (const char* metric : kMetrics) {
    for (const char* stat_field : kStatFields) {
      columns.push_back(field(fmt::format("{}_{}", metric, stat_field),
                              fmt::format("stats.{}.{}", metric, stat_field)));
    }
  }
  for (const char* name : {"efficiency", "prefill_efficiency", "read_gbs", "bytes_per_token"}) {
    columns.push_back(field(std::string("roofline_") + name, std::string("roofline.") + name));
  }
  // bench --track-bandwidth: the read (decode) or compute peak (prefill) around the point and each
  // repetition against it.
  columns.push_back(field("roofline_read_gbs_around", "roofline.read_gbs_around.median"));
  columns.push_back(field("roofline_efficiency_around", "roofline.efficiency_around"));
  columns.push_back(field("roofline_compute_gops_around", "roofline.compute_gops_around.median"));
  columns.push_back(field("roofline_prefill_efficiency_around", "roofline.prefill_efficiency_around"));
  columns.push_back(field("peak_rss_bytes", "memory.peak_rss_bytes"));
  columns.push_back(field("kv_bytes", "memory.kv_bytes"));
  columns.push_back(field("requests_ok", "requests.ok"));
  columns.push_back(field("requests_failed", "requests.failed"));
  columns.push_back({"request_errors", request_errors});
  columns.push_back({"warnings", warnings});
  if (predicted) {
    for (const char* name : {"pp_tok_s", "tg_tok_s", "agg_tok_s", "ttft_ms", "basis"}) {
      columns.push_back(field(std::string("predicted_") + name, std::string("prediction.") + name));
    }
  }
  for (const char* name : {"memwall_version", "git_commit", "build_type", "compiler", "cpu_model",
                           "isa", "hardware_fingerprint", "timestamp"}) {
    columns.push_back(field(name, std::string("provenance.") + name));
  }
  return columns;
}

// RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled.
std::string quote(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

class CsvSink final : public RowSink {
 public:
  CsvSink(std::ostream& out, std::span<const nlohmann::json> known) : out_(out), known_(known) {}

  void add(const nlohmann::json& record) override {
    if (columns_.empty()) write_header(has_prediction(record));
    std::string line;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) line += ',';
      line += quote(columns_[i].cell(record));
    }
    out_ << line << '\n' << std::flush;
  }
  void finish() override {
    if (columns_.empty()) write_header(false);
  }

 private:
  void write_header(bool predicted) {
    for (const nlohmann::json& record : known_) predicted = predicted || has_prediction(record);
    columns_ = csv_columns(predicted);
    std::string line;
    for (const CsvColumn& column : columns_) line += (line.empty() ? "" : ",") + column.name;
    out_ << line << '\n';
  }

  std::ostream& out_;
  std::span<const nlohmann::json> known_;
  std::vector<CsvColumn> columns_;
};

}  // namespace

std::unique_ptr<RowSink> make_csv_sink(std::ostream& out, std::span<const nlohmann::json> known) {
  return std::make_unique<CsvSink>(out, known);
}

}  // namespace memwall::report
