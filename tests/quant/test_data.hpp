#pragma once
// Seeded test data, generated the same way on every platform and standard library (the
// std::*_distribution algorithms are not specified, so their numbers differ between libraries).
// The error budgets in quant_error_test.cpp were measured on exactly this data, for memwall and
// for ggml (by a harness outside the repository that includes this header).
#include <cmath>
#include <cstdint>
#include <vector>

namespace memwall::quant::testing {

// SplitMix64: tiny, fast, and good enough to fill test tensors.
class TestRng {
 public:
  explicit TestRng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }
  // Uniform in [0, n).
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(uniform() * n); }
  // Standard normal (Box-Muller; one of the pair is dropped for simplicity).
  float normal() {
    const double u1 = 1.0 - uniform();  // in (0, 1], so the log is finite
    const double u2 = uniform();
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }

 private:
  std::uint64_t state_;
};

// The data every error budget is measured on: 64 rows of 4096 weights.
inline constexpr int kBudgetRows = 64;
inline constexpr int kBudgetRowWeights = 4096;

// (n_rows, n_per_row), N(0, 1).
inline std::vector<float> normal_data(int n_rows, int n_per_row, std::uint64_t seed) {
  TestRng rng(seed);
  std::vector<float> x(static_cast<std::size_t>(n_rows) * n_per_row);
  for (float& v : x) v = rng.normal();
  return x;
}

// As normal_data, then in every row kOutliersPerRow weights at random places multiplied by 10,
// as a few outlier channels do in real weight matrices.
inline constexpr int kOutliersPerRow = 16;
inline std::vector<float> outlier_data(int n_rows, int n_per_row, std::uint64_t seed) {
  std::vector<float> x = normal_data(n_rows, n_per_row, seed);
  TestRng rng(seed ^ 0x5eed00f1e75ull);
  for (int r = 0; r < n_rows; ++r) {
    for (int k = 0; k < kOutliersPerRow; ++k) {
      x[static_cast<std::size_t>(r) * n_per_row + rng.below(n_per_row)] *= 10.0f;
    }
  }
  return x;
}

inline constexpr std::uint64_t kNormalSeed = 20240601;
inline constexpr std::uint64_t kOutlierSeed = 20240602;

// RMSE of y against x, divided by the RMS of x.
inline double relative_rmse(const std::vector<float>& x, const std::vector<float>& y) {
  double err = 0, ref = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double d = static_cast<double>(y[i]) - x[i];
    err += d * d;
    ref += static_cast<double>(x[i]) * x[i];
  }
  return std::sqrt(err / ref);
}

}  // namespace memwall::quant::testing
