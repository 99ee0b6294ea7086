#pragma once
// The statistics `memwall check` decides with: a rank test and a bootstrap interval, both
// deterministic. Pure functions over samples; no I/O, no records, no global state.
#include <cstddef>
#include <cstdint>
#include <span>

#include "memwall/util/rng.hpp"

namespace memwall::check {

using Rng = memwall::Rng;

// Standard normal cumulative distribution function.
double normal_cdf(double z);

// Mann-Whitney U test of sample `a` against sample `b` (two independent samples, ties given
// midranks). p_less is the one-sided p-value for "a tends to be smaller than b", p_greater for
// "larger". Exact (the permutation distribution of the rank sum, ties included) when the samples
// together hold at most kMannWhitneyExactLimit values; otherwise the normal approximation with
// tie-corrected variance and a continuity correction.
inline constexpr std::size_t kMannWhitneyExactLimit = 50;

struct MannWhitney {
  double u_a = 0;  // U of a: pairs (a_i, b_j) with a_i > b_j, ties counting one half
  double p_less = 1;
  double p_greater = 1;
  bool exact = false;
};

enum class MannWhitneyMethod {
  Auto,   // exact up to kMannWhitneyExactLimit values, normal approximation above
  Exact,  // cost grows as N^3 x min(n_a, n_b): for tests and small samples
  Normal,
};

// Both samples non-empty.
MannWhitney mann_whitney(std::span<const double> a, std::span<const double> b,
                         MannWhitneyMethod method = MannWhitneyMethod::Auto);

// Percentile bootstrap interval of  q(current) / q(baseline), where q is the `percent` percentile
// (50 = median; type-7 interpolation, as memwall's statistics everywhere). Each resample draws both
// sides with replacement; the interval holds the central `confidence` of the resampled ratios.
// The same inputs and seed give the same interval.
inline constexpr std::uint64_t kDefaultBootstrapSeed = 0x6d656d77616c6c;  // "memwall"

struct BootstrapOptions {
  int resamples = 2000;
  double confidence = 0.95;
  std::uint64_t seed = kDefaultBootstrapSeed;
};

struct Interval {
  double low = 0;
  double high = 0;
};

// Both samples non-empty. A zero baseline statistic makes that resample's ratio +inf (or 1 when
// the current one is zero too).
Interval bootstrap_ratio_interval(std::span<const double> baseline, std::span<const double> current,
                                  double percent, const BootstrapOptions& options = {});

// Hodges-Lehmann estimate of the ratio current / baseline: the median of all n x m pairwise
// ratios. It is the estimate that goes with the rank test, and steadier than the ratio of two
// medians when each side has a handful of repetitions. Both non-empty; cost n x m.
double hodges_lehmann_ratio(std::span<const double> current, std::span<const double> baseline);

// The `percent` percentile of unsorted samples (type 7). Non-empty.
double percentile(std::span<const double> samples, double percent);

}  // namespace memwall::check
