#pragma once
// xoshiro256** seeded through splitmix64: fixed, portable output for a given seed. The standard
// library's distributions are not specified bit for bit, so whatever a seed must reproduce
// (arrival times, bootstrap resamples) draws from this.
#include <cstddef>
#include <cstdint>

namespace memwall {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next();
  double uniform();                  // [0, 1), 53 random bits
  std::size_t below(std::size_t n);  // uniform in [0, n), unbiased; n > 0
  double normal();                   // N(0, 1), Box-Muller

 private:
  std::uint64_t state_[4];
};

}  // namespace memwall
