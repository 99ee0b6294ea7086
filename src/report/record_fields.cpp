#include "record_fields.hpp"

namespace memwall::report {

const nlohmann::json* find(const nlohmann::json& record, std::string_view dotted_path) {
  const nlohmann::json* node = &record;
  while (true) {
    const std::size_t dot = dotted_path.find('.');
    const std::string key(dotted_path.substr(0, dot));
    if (!node->is_object()) return nullptr;
    const auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
    if (dot == std::string_view::npos) break;
    dotted_path.remove_prefix(dot + 1);
  }
  return node->is_null() ? nullptr : node;
}

std::optional<double> number_at(const nlohmann::json& record, std::string_view dotted_path) {
  const nlohmann::json* value = find(record, dotted_path);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return value->get<double>();
}

std::string string_at(const nlohmann::json& record, std::string_view dotted_path) {
  const nlohmann::json* value = find(record, dotted_path);
  if (value == nullptr || !value->is_string()) return {};
  return value->get<std::string>();
}

std::optional<double> metric_stat(const nlohmann::json& record, std::string_view metric,
                                  std::string_view field) {
  const std::string prefix = "stats." + std::string(metric) + ".";
  std::optional<double> value = number_at(record, prefix + std::string(field));
  if (!value && field == "p50") value = number_at(record, prefix + "median");
  return value;
}

std::string test_kind(const nlohmann::json& record) { return string_at(record, "point.test"); }

Section section_of(const nlohmann::json& record) {
  return test_kind(record) == "serve" ? Section::serve : Section::engine;
}

bool has_prediction(const nlohmann::json& record) {
  const nlohmann::json* prediction = find(record, "prediction");
  return prediction != nullptr && prediction->is_object() && !prediction->empty();
}

std::optional<double> roofline_efficiency(const nlohmann::json& record) {
  if (test_kind(record) == "pp") return number_at(record, "roofline.prefill_efficiency");
  const std::optional<double> efficiency = number_at(record, "roofline.efficiency");
  return efficiency ? efficiency : metric_stat(record, "roofline_efficiency", "median");
}

}  // namespace memwall::report
