#include "memwall/util/stats.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

namespace memwall {
namespace {

std::vector<double> sorted_copy(std::span<const double> samples) {
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

double median_of(std::span<const double> samples) {
  return percentile_sorted(sorted_copy(samples), 50.0);
}

}  // namespace

double percentile_sorted(std::span<const double> sorted, double q) {
  assert(!sorted.empty());
  const double rank = std::clamp(q, 0.0, 100.0) / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lower = static_cast<std::size_t>(std::floor(rank));
  const std::size_t upper = std::min(lower + 1, sorted.size() - 1);
  const double fraction = rank - static_cast<double>(lower);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction;
}

Summary summarize(std::span<const double> samples) {
  Summary s;
  s.n = samples.size();
  if (s.n == 0) return s;
  const std::vector<double> sorted = sorted_copy(samples);
  s.min = sorted.front();
  s.max = sorted.back();
  s.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(s.n);
  s.median = percentile_sorted(sorted, 50);
  s.p90 = percentile_sorted(sorted, 90);
  s.p99 = percentile_sorted(sorted, 99);
  if (s.n > 1) {
    double sum_sq = 0;
    for (double x : sorted) sum_sq += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(sum_sq / static_cast<double>(s.n - 1));
  }
  s.cv = s.mean != 0 ? s.stddev / std::fabs(s.mean) : 0;
  std::vector<double> deviations(s.n);
  std::transform(sorted.begin(), sorted.end(), deviations.begin(),
                 [&](double x) { return std::fabs(x - s.median); });
  s.mad = median_of(deviations);
  return s;
}

std::vector<std::size_t> mad_outliers(std::span<const double> samples, double k) {
  std::vector<std::size_t> outliers;
  if (samples.size() < 3) return outliers;
  const double median = median_of(samples);
  std::vector<double> deviations(samples.size());
  std::transform(samples.begin(), samples.end(), deviations.begin(),
                 [&](double x) { return std::fabs(x - median); });
  // 1.4826 makes the MAD a consistent estimator of the standard deviation for normal data.
  const double scaled_mad = 1.4826 * median_of(deviations);
  if (scaled_mad == 0) return outliers;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (deviations[i] / scaled_mad > k) outliers.push_back(i);
  }
  return outliers;
}

}  // namespace memwall
