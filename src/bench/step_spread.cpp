#include "memwall/bench/step_spread.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace memwall::bench {
namespace {

// Each window of kSmoothSteps consecutive rates, by its median: a rate held for several steps
// stays, a step slowed on its own (the OS taking the core) goes.
constexpr std::size_t kSmoothSteps = 5;
std::vector<double> running_median(const std::vector<double>& rates) {
  std::vector<double> out;
  for (std::size_t i = 0; i + kSmoothSteps <= rates.size(); ++i) {
    std::array<double, kSmoothSteps> window;
    std::copy_n(rates.begin() + static_cast<std::ptrdiff_t>(i), kSmoothSteps, window.begin());
    std::nth_element(window.begin(), window.begin() + kSmoothSteps / 2, window.end());
    out.push_back(window[kSmoothSteps / 2]);
  }
  return out;
}

}  // namespace

double step_spread(const std::vector<DecodeStepRate>& steps) {
  std::map<std::int64_t, std::vector<double>> by_tokens;  // in the order the steps ran
  for (const DecodeStepRate& s : steps) {
    if (s.bytes_per_s > 0) by_tokens[s.decode_tokens].push_back(s.bytes_per_s);
  }
  double spread = 1;
  for (const auto& [tokens, rates] : by_tokens) {
    if (rates.size() < kSpreadMinSteps) continue;
    std::vector<double> held = running_median(rates);
    std::sort(held.begin(), held.end());
    const double last = static_cast<double>(held.size() - 1);
    const double p10 = held[static_cast<std::size_t>(std::floor(0.1 * last))];
    const double p90 = held[static_cast<std::size_t>(std::ceil(0.9 * last))];
    spread = std::max(spread, p90 / p10);
  }
  return spread;
}

}  // namespace memwall::bench
