#pragma once
// Reading bench records (schemas/bench-record.v1.schema.json) as they come: any field may be
// missing or null in a failed or skipped record, so every accessor says "absent" rather than throw.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace memwall::report {

// The value at a dotted path ("point.threads", "roofline.efficiency"); null when a step is missing
// or the value is JSON null.
const nlohmann::json* find(const nlohmann::json& record, std::string_view dotted_path);

std::optional<double> number_at(const nlohmann::json& record, std::string_view dotted_path);
std::string string_at(const nlohmann::json& record, std::string_view dotted_path);

// stats.<metric>.<field>; a missing p50 falls back to the median (the same order statistic).
std::optional<double> metric_stat(const nlohmann::json& record, std::string_view metric,
                                  std::string_view field);

// Engine-level tests (pp N, tg N of one sequence) and serving tests (users or arrivals) measure
// different things, so each kind has its own columns.
enum class Section { engine, serve };
Section section_of(const nlohmann::json& record);

// point.test: "pp", "tg" or "serve" ("" when absent).
std::string test_kind(const nlohmann::json& record);

bool has_prediction(const nlohmann::json& record);

// How close the point came to the machine's limit, as a fraction. Prefill is compute-bound, so a
// pp point is held against the measured compute peak (roofline.prefill_efficiency); decoding
// points (tg, serve) against the measured read bandwidth (roofline.efficiency, else the median of
// stats.roofline_efficiency).
std::optional<double> roofline_efficiency(const nlohmann::json& record);

}  // namespace memwall::report
