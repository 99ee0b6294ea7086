#pragma once
// Where the K-quants keep their sub-block scales and their quants: the bit packing shared by the
// quantizers and the dequantizers (blocks.hpp describes each layout in words).
#include <cstdint>

#include "memwall/quant/blocks.hpp"

namespace memwall::quant::detail {

// Q4_K and Q5_K: the 6-bit scale and min of sub-block j (0..7) in the 12 packed bytes.
struct ScaleMin {
  int scale;
  int min;
};

inline ScaleMin unpack_scale_min(const std::uint8_t* packed, int j) {
  if (j < 4) return {packed[j] & 63, packed[j + 4] & 63};
  return {(packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4),
          (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4)};
}

// Inverse of unpack_scale_min for all eight sub-blocks; values in 0..63.
inline void pack_scale_mins(const int* scale, const int* min, std::uint8_t* packed) {
  for (int j = 0; j < 4; ++j) {
    packed[j] = static_cast<std::uint8_t>((scale[j] & 63) | ((scale[j + 4] >> 4) << 6));
    packed[j + 4] = static_cast<std::uint8_t>((min[j] & 63) | ((min[j + 4] >> 4) << 6));
    packed[j + 8] = static_cast<std::uint8_t>((scale[j + 4] & 0xF) | ((min[j + 4] & 0xF) << 4));
  }
}

// Q3_K: the 6-bit scale of sub-block i (0..15), still biased by 32.
inline int unpack_q3_scale(const std::uint8_t* packed, int i) {
  const int low = i < 8 ? (packed[i] & 0xF) : (packed[i - 8] >> 4);
  const int high = (packed[8 + i % 4] >> (2 * (i / 4))) & 3;
  return low | (high << 4);
}

// Inverse of unpack_q3_scale for all sixteen sub-blocks; biased values in 0..63.
inline void pack_q3_scales(const int* biased, std::uint8_t* packed) {
  for (int k = 0; k < kKScaleBytes; ++k) packed[k] = 0;
  for (int i = 0; i < 16; ++i) {
    packed[i % 8] |= static_cast<std::uint8_t>((biased[i] & 0xF) << (i < 8 ? 0 : 4));
    packed[8 + i % 4] |= static_cast<std::uint8_t>(((biased[i] >> 4) & 3) << (2 * (i / 4)));
  }
}

// Q2_K and Q3_K: the 2-bit field of weight i (0..255) sits in qs[32 * (i / 128) + i % 32] at
// bit 2 * ((i % 128) / 32). So the fields of sub-block s (weights 16 s .. 16 s + 15) are bits
// `shift` of 16 consecutive bytes.
struct TwoBitRun {
  const std::uint8_t* bytes;
  int shift;
};
inline TwoBitRun two_bit_run(const std::uint8_t* qs, int s) {
  return {qs + 32 * (s / 8) + 16 * (s % 2), 2 * ((s % 8) / 2)};
}

inline void pack_two_bit_fields(const int* field, std::uint8_t* qs) {
  for (int k = 0; k < kSuperBlockSize / 4; ++k) qs[k] = 0;
  for (int i = 0; i < kSuperBlockSize; ++i) {
    qs[32 * (i / 128) + i % 32] |=
        static_cast<std::uint8_t>((field[i] & 3) << (2 * ((i % 128) / 32)));
  }
}

}  // namespace memwall::quant::detail
