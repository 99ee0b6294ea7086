#pragma once
// Private to quant/kernels: vpshufb controls the x86 kernels build at compile time.
#include <array>
#include <cstdint>

namespace memwall::quant::kernels {

// The two 64-bit halves of a 128-bit vpshufb control that takes, in every 32-bit lane, that lane's
// bytes b0..b3 (-1: a zero byte). vpshufb works within 128-bit lanes, so a wider control repeats
// them.
constexpr std::array<long long, 2> lane_bytes_128(int b0, int b1, int b2, int b3) {
  const auto at = [](int b, int lane) { return b < 0 ? 0x80u : static_cast<unsigned>(4 * lane + b); };
  const auto dword = [&](int lane) {
    return static_cast<std::uint64_t>(at(b0, lane) | at(b1, lane) << 8 | at(b2, lane) << 16 | at(b3, lane) << 24);
  };
  return {static_cast<long long>(dword(0) | dword(1) << 32), static_cast<long long>(dword(2) | dword(3) << 32)};
}

}  // namespace memwall::quant::kernels
