#include "columns.hpp"

#include "cells.hpp"

namespace memwall::report {
namespace {

using nlohmann::json;

std::string point_text(const json& r, std::string_view path) {
  const std::string text = string_at(r, path);
  return text.empty() ? std::string(kMissing) : text;
}

std::string model(const json& r) { return model_label(r); }
std::string scheme(const json& r) { return point_text(r, "point.scheme"); }
std::string backend(const json& r) { return point_text(r, "point.backend"); }
std::string kv_type(const json& r) { return point_text(r, "point.kv_type"); }
std::string threads(const json& r) { return format_integer(number_at(r, "point.threads")); }
std::string test(const json& r) { return test_label(r); }

// median ± stddev; one sample has no spread to show.
std::string median_spread(const json& r, std::string_view metric) {
  const std::optional<double> n = metric_stat(r, metric, "n");
  const std::optional<double> stddev =
      n && *n < 2 ? std::nullopt : metric_stat(r, metric, "stddev");
  return format_plus_minus(metric_stat(r, metric, "median"), stddev);
}

// pp rows report prompt tok/s, tg rows generation tok/s: the metric named after the test.
std::string engine_tok_s(const json& r) {
  const std::string metric = test_kind(r) == "pp" ? "pp_tok_s" : "tg_tok_s";
  return median_spread(r, metric);
}
std::string engine_predicted(const json& r) {
  return format_number(
      number_at(r, test_kind(r) == "pp" ? "prediction.pp_tok_s" : "prediction.tg_tok_s"));
}

std::string agg_tok_s(const json& r) { return median_spread(r, "agg_tok_s"); }
std::string per_user_tok_s(const json& r) {
  return format_number(metric_stat(r, "per_user_tok_s", "median"));
}
std::string ttft_p50(const json& r) { return format_number(metric_stat(r, "ttft_ms", "p50")); }
std::string ttft_p99(const json& r) { return format_number(metric_stat(r, "ttft_ms", "p99")); }
std::string tpot_p50(const json& r) { return format_number(metric_stat(r, "tpot_ms", "p50")); }
std::string itl_p99(const json& r) { return format_number(metric_stat(r, "itl_ms", "p99")); }
std::string e2e_p50(const json& r) { return format_number(metric_stat(r, "e2e_ms", "p50")); }
std::string queue_p50(const json& r) { return format_number(metric_stat(r, "queue_ms", "p50")); }
std::string serve_predicted_agg(const json& r) {
  return format_number(number_at(r, "prediction.agg_tok_s"));
}
std::string serve_predicted_ttft(const json& r) {
  return format_number(number_at(r, "prediction.ttft_ms"));
}

std::string roofline(const json& r) { return format_percent(roofline_efficiency(r)); }

std::string peak_rss(const json& r) { return format_size(number_at(r, "memory.peak_rss_bytes")); }
std::string kv_bytes(const json& r) { return format_size(number_at(r, "memory.kv_bytes")); }
std::string row_notes(const json& r) { return notes(r); }

const Column kModel{"model", "model", "", 12, Align::left, true, model};
const Column kScheme{"quant", "quant", "", 6, Align::left, true, scheme};
const Column kBackend{"backend", "backend", "", 6, Align::left, false, backend};
const Column kThreads{"threads", "t", "", 3, Align::right, true, threads};
const Column kKv{"KV type", "kv", "", 4, Align::left, true, kv_type};
const Column kTest{"test", "test", "", 12, Align::left, true, test};
const Column kRoofline{"roofline %", "roofline", "%", 8, Align::right, true, roofline};
const Column kPeakRss{"peak RSS", "peak RSS", "", 9, Align::right, false, peak_rss};
const Column kKvBytes{"KV cache", "KV cache", "", 9, Align::right, false, kv_bytes};
const Column kNotes{"notes", "notes", "", 0, Align::left, true, row_notes};

// Engine-level tests (pp, tg).
const Column kTokS{"tok/s (median ± sd)", "tok/s", "± sd", 15, Align::right, true, engine_tok_s};
const Column kPredictedTokS{"predicted tok/s", "pred.", "tok/s", 7, Align::right, true,
                            engine_predicted};

// Serving tests; latencies in ms, widths for up to five digits.
const Column kAggTokS{"agg tok/s (median ± sd)", "agg tok/s", "± sd", 13, Align::right, true,
                      agg_tok_s};
const Column kPerUser{"per-user tok/s", "user", "tok/s", 6, Align::right, true, per_user_tok_s};
const Column kTtftP50{"TTFT p50 (ms)", "TTFT", "p50 ms", 6, Align::right, true, ttft_p50};
const Column kTtftP99{"TTFT p99 (ms)", "TTFT", "p99 ms", 6, Align::right, true, ttft_p99};
const Column kTpotP50{"TPOT p50 (ms)", "TPOT", "p50 ms", 6, Align::right, true, tpot_p50};
const Column kItlP99{"ITL p99 (ms)", "ITL", "p99 ms", 6, Align::right, true, itl_p99};
const Column kE2eP50{"E2E p50 (ms)", "E2E", "p50 ms", 6, Align::right, true, e2e_p50};
const Column kQueueP50{"queue p50 (ms)", "queue", "p50 ms", 6, Align::right, true, queue_p50};
const Column kPredictedAgg{"predicted agg tok/s", "pred.", "tok/s", 7, Align::right, true,
                           serve_predicted_agg};
const Column kPredictedTtft{"predicted TTFT (ms)", "pred.", "TTFT ms", 7, Align::right, true,
                            serve_predicted_ttft};

}  // namespace

std::vector<Column> human_columns(Section section, bool predicted) {
  std::vector<Column> columns;
  if (section == Section::engine) {
    columns = {kModel, kScheme, kThreads, kKv, kTest, kTokS};
    if (predicted) columns.push_back(kPredictedTokS);
  } else {
    columns = {kModel,   kScheme,  kBackend, kThreads, kKv,     kTest,   kAggTokS,
               kPerUser, kTtftP50, kTtftP99, kTpotP50, kItlP99, kE2eP50, kQueueP50};
    if (predicted) columns.insert(columns.end(), {kPredictedAgg, kPredictedTtft});
  }
  columns.insert(columns.end(), {kRoofline, kPeakRss, kKvBytes, kNotes});
  return columns;
}

std::vector<Column> section_columns(const nlohmann::json& record,
                                    std::span<const nlohmann::json> known) {
  const Section section = section_of(record);
  bool predicted = has_prediction(record);
  for (const nlohmann::json& other : known) {
    predicted = predicted || (section_of(other) == section && has_prediction(other));
  }
  return human_columns(section, predicted);
}

bool is_text(const Column& column) { return column.align == Align::left; }

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;  // not a continuation byte
  }
  return width;
}

}  // namespace memwall::report
