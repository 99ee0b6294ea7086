#pragma once
#include <cstddef>
#include <span>
#include <vector>

namespace memwall {

// A distribution summarised the same way everywhere memwall reports one.
struct Summary {
  std::size_t n = 0;
  double min = 0, max = 0, mean = 0, median = 0;
  double stddev = 0;  // sample standard deviation (n - 1)
  double cv = 0;      // stddev / mean, 0 when the mean is 0
  double p90 = 0, p99 = 0;
  double mad = 0;     // median absolute deviation from the median, unscaled
};

Summary summarize(std::span<const double> samples);

// Percentile q in [0, 100] by linear interpolation between order statistics (Hyndman-Fan type 7,
// the default of numpy and R). `sorted` must be ascending and non-empty.
double percentile_sorted(std::span<const double> sorted, double q);

// Indices of samples farther than `k` scaled MADs (MAD x 1.4826) from the median.
std::vector<std::size_t> mad_outliers(std::span<const double> samples, double k = 3.5);

}  // namespace memwall
