#pragma once
// Overflow-checked arithmetic on the 64-bit counts, sizes and offsets a GGUF file declares: a
// hostile file may choose any value, so every sum and product of them goes through here.
#include <cstdint>
#include <optional>

namespace memwall::gguf::detail {

inline std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

inline std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) return std::nullopt;
  return product;
}

inline bool is_power_of_two(std::uint64_t value) {
  return value != 0 && (value & (value - 1)) == 0;
}

// `value` rounded up to a multiple of `alignment` (a power of two); nullopt past 2^64.
inline std::optional<std::uint64_t> align_up(std::uint64_t value, std::uint64_t alignment) {
  const std::optional<std::uint64_t> bumped = checked_add(value, alignment - 1);
  if (!bumped) return std::nullopt;
  return *bumped & ~(alignment - 1);
}

}  // namespace memwall::gguf::detail
