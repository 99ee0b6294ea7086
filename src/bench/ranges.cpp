#include "memwall/bench/ranges.hpp"

#include <charconv>
#include <string>

namespace memwall::bench {
namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> items;
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = text.find(sep, start);
    items.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return items;
    start = at + 1;
  }
}

bool parse_int(std::string_view s, std::int64_t& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

constexpr std::size_t kMaxValues = 10000;

Status expand_range(std::string_view item, std::string_view flag, std::vector<std::int64_t>& out) {
  const std::size_t dash = item.find('-', 1);
  std::int64_t value = 0;
  if (dash == std::string_view::npos) {
    if (!parse_int(item, value)) return make_error("{}: '{}' is not a whole number", flag, item);
    out.push_back(value);
    return {};
  }
  const std::string_view from = item.substr(0, dash), rest = item.substr(dash + 1);
  const std::size_t op_at = rest.find_first_of("*+");
  const std::string_view to = rest.substr(0, op_at);
  const char op = op_at == std::string_view::npos ? '+' : rest[op_at];
  std::int64_t a = 0, b = 0, step = 1;
  if (!parse_int(from, a) || !parse_int(to, b)) {
    return make_error("{}: '{}' is not a range like 1-8*2 or 128-512+128", flag, item);
  }
  if (op_at != std::string_view::npos && !parse_int(rest.substr(op_at + 1), step)) {
    return make_error("{}: '{}' has no valid step after '{}'", flag, item, op);
  }
  if (b < a) return make_error("{}: '{}' counts down", flag, item);
  if (op == '*' && (step < 2 || a < 1)) return make_error("{}: '{}' needs a start >= 1 and a factor >= 2", flag, item);
  if (op == '+' && step < 1) return make_error("{}: '{}' needs a step >= 1", flag, item);
  for (std::int64_t v = a; v <= b; v = op == '*' ? v * step : v + step) {
    if (out.size() >= kMaxValues) return make_error("{}: '{}' expands to too many values", flag, item);
    out.push_back(v);
  }
  return {};
}

}  // namespace

Result<std::vector<std::int64_t>> parse_int_list(std::string_view text, std::string_view flag, std::int64_t min_value) {
  std::vector<std::int64_t> values;
  for (std::string_view item : split(text, ',')) {
    if (item.empty()) return make_error("{}: empty item in '{}'", flag, text);
    if (Status s = expand_range(item, flag, values); !s.ok()) return s.error();
  }
  for (std::int64_t v : values) {
    if (v < min_value) return make_error("{}: {} is below the minimum {}", flag, v, min_value);
  }
  return values;
}

Result<std::vector<double>> parse_number_list(std::string_view text, std::string_view flag) {
  std::vector<double> values;
  for (std::string_view item : split(text, ',')) {
    double v = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || !(v > 0)) {
      return make_error("{}: '{}' is not a positive number", flag, item);
    }
    values.push_back(v);
  }
  return values;
}

Result<std::vector<std::string>> parse_name_list(std::string_view text, std::string_view flag) {
  std::vector<std::string> values;
  for (std::string_view item : split(text, ',')) {
    if (item.empty()) return make_error("{}: empty item in '{}'", flag, text);
    values.emplace_back(item);
  }
  return values;
}

}  // namespace memwall::bench
