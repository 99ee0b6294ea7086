#include "cells.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "memwall/util/units.hpp"
#include "record_fields.hpp"

namespace memwall::report {
namespace {

// memwall bench's prompt tokens per engine step; a row names its budget only when it differs.
constexpr double kDefaultPrefillBudget = 512;

int decimals_for(double value) {
  const double magnitude = std::fabs(value);
  if (magnitude >= 1000 || magnitude == 0) return 0;
  if (magnitude >= 100) return 1;
  if (magnitude >= 10) return 2;
  return 3;
}

std::string fixed(double value, int decimals) {
  std::string text = fmt::format("{:.{}f}", value, decimals);
  return text == "-0" ? "0" : text;
}

std::string integer_text(const nlohmann::json& record, std::string_view path) {
  return format_integer(number_at(record, path));
}

}  // namespace

std::string format_number(double value) {
  if (!std::isfinite(value)) return fmt::format("{}", value);
  const double magnitude = std::fabs(value);
  if (magnitude != 0 && magnitude < 1) return fmt::format("{:.3g}", value);
  return fixed(value, decimals_for(value));
}

std::string format_number(std::optional<double> value) {
  return value ? format_number(*value) : std::string(kMissing);
}

std::string format_integer(std::optional<double> value) {
  return value ? fmt::format("{}", *value) : std::string(kMissing);
}

std::string format_plus_minus(std::optional<double> value, std::optional<double> stddev) {
  if (!value) return std::string(kMissing);
  if (!stddev || !std::isfinite(*value)) return format_number(*value);
  const int decimals = std::fabs(*value) < 1 && *value != 0 ? 3 : decimals_for(*value);
  return fixed(*value, decimals) + " ± " + fixed(*stddev, decimals);
}

std::string format_percent(std::optional<double> fraction) {
  return fraction ? fixed(*fraction * 100, 1) : std::string(kMissing);
}

std::string format_size(std::optional<double> bytes) {
  if (!bytes || *bytes < 0) return std::string(kMissing);
  return format_bytes(static_cast<std::uint64_t>(std::llround(*bytes)));
}

std::string test_label(const nlohmann::json& record) {
  const std::string kind = test_kind(record);
  std::string label;
  if (kind == "pp") {
    label = "pp" + integer_text(record, "point.prompt");
  } else if (kind == "tg") {
    label = "tg" + integer_text(record, "point.gen");
  } else if (kind == "serve") {
    const std::optional<double> rate = number_at(record, "point.rate");
    const std::optional<double> users = number_at(record, "point.concurrency");
    if (rate) label = fmt::format("r{}/s ", *rate);
    if (users) label += fmt::format("{}{} ", rate ? "c<=" : "c", *users);
    label += fmt::format("p{} n{}", integer_text(record, "point.prompt"),
                         integer_text(record, "point.gen"));
  } else {
    label = kind.empty() ? std::string(kMissing) : kind;
  }
  const std::optional<double> depth = number_at(record, "point.depth");
  if (depth && *depth > 0) label += fmt::format(" @d{}", *depth);
  const std::optional<double> budget = number_at(record, "point.prefill_budget");
  if (budget && *budget != kDefaultPrefillBudget) label += fmt::format(" b{}", *budget);
  return label;
}

std::string model_label(const nlohmann::json& record) {
  const std::string model = string_at(record, "point.model");
  if (model.empty()) return std::string(kMissing);
  if (model.ends_with(".gguf")) return std::filesystem::path(model).filename().string();
  if (model.starts_with("preset:")) return model.substr(std::string_view("preset:").size());
  return model;
}

std::string notes(const nlohmann::json& record) {
  std::vector<std::string> parts;
  const std::string status = string_at(record, "status");
  if (status == "failed" || status == "skipped") {
    const std::string reason = string_at(record, "reason");
    parts.push_back(reason.empty() ? status : status + ": " + reason);
  }
  if (const nlohmann::json* errors = find(record, "requests.errors");
      errors != nullptr && errors->is_object() && !errors->empty()) {
    std::vector<std::string> kinds;
    for (const auto& [kind, count] : errors->items()) kinds.push_back(kind + " " + count.dump());
    parts.push_back(fmt::format("request errors: {}", fmt::join(kinds, ", ")));
  }
  const std::optional<double> around = number_at(record, "roofline.read_gbs_around.median");
  const std::optional<double> efficiency_around = number_at(record, "roofline.efficiency_around");
  if (around && efficiency_around) {
    parts.push_back(fmt::format("roofline {:.0f}% of the {:.1f} GB/s read around it", 100 * *efficiency_around, *around));
  }
  const std::optional<double> compute = number_at(record, "roofline.compute_gops_around.median");
  const std::optional<double> prefill_around = number_at(record, "roofline.prefill_efficiency_around");
  if (compute && prefill_around) {
    parts.push_back(fmt::format("prefill {:.0f}% of the {:.0f} GOPS compute around it", 100 * *prefill_around, *compute));
  }
  if (const nlohmann::json* warnings = find(record, "warnings"); warnings && warnings->is_array()) {
    for (const nlohmann::json& warning : *warnings) {
      if (warning.is_string()) parts.push_back(warning.get<std::string>());
    }
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace memwall::report
