#include "memwall/check/stats.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numbers>
#include <numeric>
#include <utility>
#include <vector>

namespace memwall::check {
namespace {

// Both samples ranked together. Ranks are doubled so that the midranks of ties stay integers and
// the exact distribution can be counted over integer sums.
struct Ranking {
  std::vector<int> doubled_ranks;  // the values of a, then those of b
  int doubled_rank_sum_a = 0;
  double tie_term = 0;  // sum over groups of tied values of t^3 - t
};

Ranking rank_together(std::span<const double> a, std::span<const double> b) {
  const std::size_t n = a.size() + b.size();
  std::vector<std::pair<double, std::size_t>> order;  // (value, index into a then b)
  order.reserve(n);
  for (std::size_t i = 0; i < a.size(); ++i) order.emplace_back(a[i], i);
  for (std::size_t j = 0; j < b.size(); ++j) order.emplace_back(b[j], a.size() + j);
  std::sort(order.begin(), order.end());
  Ranking r;
  r.doubled_ranks.assign(n, 0);
  for (std::size_t first = 0; first < n;) {
    std::size_t last = first + 1;
    while (last < n && order[last].first == order[first].first) ++last;
    // Positions first..last-1 hold ranks first+1..last, whose mean doubled is first+1+last.
    const int doubled_midrank = static_cast<int>(first + 1 + last);
    for (std::size_t k = first; k < last; ++k) r.doubled_ranks[order[k].second] = doubled_midrank;
    const double t = static_cast<double>(last - first);
    r.tie_term += t * t * t - t;
    first = last;
  }
  r.doubled_rank_sum_a =
      std::accumulate(r.doubled_ranks.begin(), r.doubled_ranks.begin() + a.size(), 0);
  return r;
}

// The permutation distribution of a's doubled rank sum: of the C(N, n_a) ways to pick n_a of the
// N ranks, how many give each sum. The counts stay below 2^53 for N <= 50, so doubles are exact.
void exact_p_values(const Ranking& r, std::size_t n_a, MannWhitney& out) {
  const int max_sum = std::accumulate(r.doubled_ranks.begin(), r.doubled_ranks.end(), 0);
  // ways[k][s]: subsets of k ranks (among those seen so far) summing to s.
  std::vector<std::vector<double>> ways(n_a + 1, std::vector<double>(max_sum + 1, 0.0));
  ways[0][0] = 1;
  std::size_t seen = 0;
  for (const int d : r.doubled_ranks) {
    ++seen;
    for (std::size_t k = std::min(seen, n_a); k >= 1; --k) {
      for (int s = max_sum; s >= d; --s) ways[k][s] += ways[k - 1][s - d];
    }
  }
  const std::vector<double>& dist = ways[n_a];
  const double total = std::accumulate(dist.begin(), dist.end(), 0.0);
  double at_most = 0, at_least = 0;
  for (int s = 0; s <= max_sum; ++s) {
    if (s <= r.doubled_rank_sum_a) at_most += dist[s];
    if (s >= r.doubled_rank_sum_a) at_least += dist[s];
  }
  out.p_less = at_most / total;
  out.p_greater = at_least / total;
  out.exact = true;
}

void normal_p_values(const Ranking& r, double n_a, double n_b, MannWhitney& out) {
  const double n = n_a + n_b;
  const double mean_u = n_a * n_b / 2;
  const double variance = n_a * n_b / 12 * ((n + 1) - r.tie_term / (n * (n - 1)));
  if (variance <= 0) return;  // every value tied: no evidence either way, p stays 1
  const double sd = std::sqrt(variance);
  out.p_less = std::min(1.0, normal_cdf((out.u_a + 0.5 - mean_u) / sd));
  out.p_greater = std::min(1.0, normal_cdf((mean_u - out.u_a + 0.5) / sd));
}

// The `percent` percentile (type 7) of `values`, reordering them: two selections instead of a
// sort, since the bootstrap takes thousands of these over up to every inter-token gap of a run.
double percentile_in_place(std::vector<double>& values, double percent) {
  const double rank =
      std::clamp(percent, 0.0, 100.0) / 100.0 * static_cast<double>(values.size() - 1);
  const auto lower = static_cast<std::size_t>(std::floor(rank));
  std::nth_element(values.begin(), values.begin() + lower, values.end());
  const double low = values[lower];
  const double fraction = rank - static_cast<double>(lower);
  if (fraction == 0 || lower + 1 >= values.size()) return low;
  const double high = *std::min_element(values.begin() + lower + 1, values.end());
  if (high == low) return low;  // also keeps inf ratios from becoming inf - inf
  return low + (high - low) * fraction;
}

double resampled_percentile(std::span<const double> samples, double percent, Rng& rng,
                            std::vector<double>& scratch) {
  scratch.resize(samples.size());
  for (double& x : scratch) x = samples[rng.below(samples.size())];
  return percentile_in_place(scratch, percent);
}

double ratio(double current, double baseline) {
  if (baseline == 0) return current == 0 ? 1.0 : INFINITY;
  return current / baseline;
}

}  // namespace

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

MannWhitney mann_whitney(std::span<const double> a, std::span<const double> b,
                         MannWhitneyMethod method) {
  assert(!a.empty() && !b.empty());
  const Ranking r = rank_together(a, b);
  const double n_a = static_cast<double>(a.size()), n_b = static_cast<double>(b.size());
  MannWhitney out;
  out.u_a = r.doubled_rank_sum_a / 2.0 - n_a * (n_a + 1) / 2;
  const bool exact =
      method == MannWhitneyMethod::Exact ||
      (method == MannWhitneyMethod::Auto && a.size() + b.size() <= kMannWhitneyExactLimit);
  if (exact) {
    exact_p_values(r, a.size(), out);
  } else {
    normal_p_values(r, n_a, n_b, out);
  }
  return out;
}

Interval bootstrap_ratio_interval(std::span<const double> baseline, std::span<const double> current,
                                  double percent, const BootstrapOptions& options) {
  assert(!baseline.empty() && !current.empty() && options.resamples > 0);
  Rng rng(options.seed);
  std::vector<double> scratch, ratios(static_cast<std::size_t>(options.resamples));
  for (double& r : ratios) {
    const double base = resampled_percentile(baseline, percent, rng, scratch);
    const double cur = resampled_percentile(current, percent, rng, scratch);
    r = ratio(cur, base);
  }
  const double tail = (1.0 - options.confidence) / 2.0 * 100.0;
  Interval interval;
  interval.low = percentile_in_place(ratios, tail);
  interval.high = percentile_in_place(ratios, 100.0 - tail);
  return interval;
}

double hodges_lehmann_ratio(std::span<const double> current, std::span<const double> baseline) {
  assert(!current.empty() && !baseline.empty());
  std::vector<double> ratios;
  ratios.reserve(current.size() * baseline.size());
  for (const double c : current) {
    for (const double b : baseline) ratios.push_back(ratio(c, b));
  }
  return percentile_in_place(ratios, 50);
}

double percentile(std::span<const double> samples, double percent) {
  assert(!samples.empty());
  std::vector<double> copy(samples.begin(), samples.end());
  return percentile_in_place(copy, percent);
}

}  // namespace memwall::check
