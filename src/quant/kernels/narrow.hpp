#pragma once
// Private to quant/kernels: the last tokens of a batch go in one tile as wide as they are.
#include <cstdint>
#include <type_traits>

namespace memwall::quant::kernels {

// Calls fn(std::integral_constant<int, N>{}) for the one N in 1..kMax equal to `rest` (nothing when
// rest is 0).
template <int kMax, typename Fn>
void narrow(std::int64_t rest, Fn&& fn) {
  if constexpr (kMax >= 1) {
    if (rest == kMax) return fn(std::integral_constant<int, kMax>{});
    narrow<kMax - 1>(rest, fn);
  }
}

}  // namespace memwall::quant::kernels
