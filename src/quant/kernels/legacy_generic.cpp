// The legacy family's portable kernels (see tables.hpp): one row and one token at a time over the
// packed layout (legacy_layout.hpp), integer sums per block as the SIMD kernels do them. The
// fallback for CPUs without a SIMD table, and a second, plain reading of the packed formats.
#include <cstring>

#include "legacy_layout.hpp"
#include "memwall/quant/blocks.hpp"
#include "memwall/quant/half.hpp"
#include "tables.hpp"

namespace memwall::quant::kernels {
namespace {

using namespace legacy;
constexpr int R = static_cast<int>(kPackRows);

float f16_at(const std::byte* p, int i) {
  std::uint16_t h;
  std::memcpy(&h, p + 2 * i, 2);
  return f16_to_f32(h);
}

// Bit `bit` of the u64 at p.
int mask_bit(const std::byte* p, int bit) {
  std::uint64_t word;
  std::memcpy(&word, p, 8);
  return static_cast<int>((word >> bit) & 1);
}

// Level q of row r, weight k (0..31) of a packed 32-weight block.
template <TensorType T>
int level32(const std::byte* blk, int r, int k) {
  using L = Layout32<T>;
  const auto byte = static_cast<int>(blk[L::kNibbles + kChunk * (k / 8) + 4 * r + k % 4]);
  const int nibble = k % 8 < 4 ? byte & 15 : byte >> 4;
  if constexpr (L::kHighBits) return nibble | mask_bit(blk + L::kHigh + 8 * (k / 4), 4 * r + k % 4) << 4;
  return nibble;
}

// Per block: d * da * (sum q a - offset * sum a) + m * da * sum a.
template <TensorType T>
void matmul32(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
              std::int64_t row_begin, std::int64_t row_end) {
  using L = Layout32<T>;
  const std::int64_t n_blocks = w.cols / kBlockSize;
  for (std::int64_t g = row_begin / R; g < row_end / R; ++g) {
    const std::byte* group = w.data + static_cast<std::size_t>(g) * w.group_bytes();
    for (std::int64_t t = 0; t < x.n_tokens; ++t) {
      float acc[R] = {};
      for (std::int64_t b = 0; b < n_blocks; ++b) {
        const std::byte* blk = group + static_cast<std::size_t>(b) * L::kBytes;
        const std::int64_t i = t * n_blocks + b;
        const std::int8_t* a = x.q + i * kBlockSize;
        const std::int32_t sum = x.sums16[2 * i] + x.sums16[2 * i + 1];
        for (int r = 0; r < R; ++r) {
          int dot = 0;
          for (int k = 0; k < kBlockSize; ++k) dot += level32<T>(blk, r, k) * a[k];
          acc[r] += f16_at(blk + L::kD, r) * x.d[i] * static_cast<float>(dot - L::kOffset * sum);
          if constexpr (L::kMins) acc[r] += f16_at(blk + L::kM, r) * (x.d[i] * static_cast<float>(sum));
        }
      }
      for (int r = 0; r < R; ++r) y[t * ldy + g * R + r] = acc[r];
    }
  }
}

// The 2-bit field of row r, weight k (0..15) of sub-block s of a packed Q2_K / Q3_K super-block,
// and (Q3_K) its high bit.
struct SubBlockAt {
  int quad, field;
};
SubBlockAt sub_block_at(int s) {
  for (int q = 0; q < 4; ++q) {
    for (int j = 0; j < 4; ++j) {
      if (quad_sub_block(q, j) == s) return {q, j};
    }
  }
  return {0, 0};
}
int two_bits(const std::byte* sb, std::size_t quants, int r, int s, int k) {
  const SubBlockAt at = sub_block_at(s);
  const auto byte = static_cast<int>(sb[quant_chunk(quants, at.quad, k / 4) + 4 * r + k % 4]);
  return (byte >> (2 * at.field)) & 3;
}
int q3_high(const std::byte* sb, int r, int s, int k) {
  const SubBlockAt at = sub_block_at(s);
  return mask_bit(sb + q3k_high_word(at.quad, k / 4, at.field), 4 * r + k % 4);
}

// Q2_K's scale byte (scale low, min high) of row r, sub-block s.
int q2_scale_byte(const std::byte* sb, int r, int s) {
  const SubBlockAt at = sub_block_at(s);
  return static_cast<int>(sb[LayoutQ2K::kScales + kChunk * at.quad + 4 * r + at.field]);
}

// Q3_K's signed scale (s - 32) of row r, sub-block s, from the planes of legacy_layout.hpp.
int q3_scale(const std::byte* sb, int r, int s) {
  const SubBlockAt at = sub_block_at(s);
  const int pair = 2 * at.quad + at.field % 2, member = at.field / 2;
  const auto word = [&](int plane) {
    std::uint32_t v;
    std::memcpy(&v, sb + LayoutQ3K::kScales + kChunk * plane + 4 * r, 4);
    return static_cast<int>((v >> (16 * member)) & 0xFFFF);
  };
  const Q3ScaleSlot slot = kQ3ScaleSlot[pair];
  const int bits = slot.shift >= 0 ? word(slot.plane) >> slot.shift
                                   : (word(slot.plane) & 15) | ((word(2) >> (2 * (pair - 6))) & 3) << 4;
  return (bits & 63) >= 32 ? (bits & 63) - 64 : bits & 63;
}

// Per super-block: d * da * sum_s scale_s * dot_s - dmin * da * sum_s min_s * sum_s(a) (Q2_K), or
// d * da * sum_s (scale_s - 32) * (dot_s - 4 * sum_s(a)) (Q3_K), all sums in integers.
template <TensorType T>
void matmul_k(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
              std::int64_t row_begin, std::int64_t row_end) {
  constexpr bool kQ2 = T == TensorType::Q2_K;
  constexpr std::size_t kBytes = kQ2 ? LayoutQ2K::kBytes : LayoutQ3K::kBytes;
  const std::int64_t n_super = w.cols / kSuperBlockSize;
  for (std::int64_t g = row_begin / R; g < row_end / R; ++g) {
    const std::byte* group = w.data + static_cast<std::size_t>(g) * w.group_bytes();
    for (std::int64_t t = 0; t < x.n_tokens; ++t) {
      float acc[R] = {};
      for (std::int64_t b = 0; b < n_super; ++b) {
        const std::byte* sb = group + static_cast<std::size_t>(b) * kBytes;
        const std::int64_t i = t * n_super + b;
        const std::int8_t* a = x.q + i * kSuperBlockSize;
        const std::int32_t* sums = x.sums16 + i * 16;
        for (int r = 0; r < R; ++r) {
          int scaled = 0, mins = 0;
          for (int s = 0; s < 16; ++s) {
            int dot = 0;
            for (int k = 0; k < 16; ++k) {
              const int q = kQ2 ? two_bits(sb, LayoutQ2K::kQuants, r, s, k)
                                : two_bits(sb, LayoutQ3K::kQuants, r, s, k) | q3_high(sb, r, s, k) << 2;
              dot += q * a[16 * s + k];
            }
            if constexpr (kQ2) {
              scaled += (q2_scale_byte(sb, r, s) & 15) * dot;
              mins += (q2_scale_byte(sb, r, s) >> 4) * sums[s];
            } else {
              scaled += q3_scale(sb, r, s) * (dot - 4 * sums[s]);
            }
          }
          acc[r] += f16_at(sb, r) * x.d[i] * static_cast<float>(scaled);
          if constexpr (kQ2) acc[r] -= f16_at(sb + LayoutQ2K::kDmin, r) * x.d[i] * static_cast<float>(mins);
        }
      }
      for (int r = 0; r < R; ++r) y[t * ldy + g * R + r] = acc[r];
    }
  }
}

constexpr TypeKernel kTypes[] = {
    {TensorType::Q4_1, matmul32<TensorType::Q4_1>}, {TensorType::Q5_0, matmul32<TensorType::Q5_0>},
    {TensorType::Q5_1, matmul32<TensorType::Q5_1>}, {TensorType::Q2_K, matmul_k<TensorType::Q2_K>},
    {TensorType::Q3_K, matmul_k<TensorType::Q3_K>},
};

}  // namespace

std::span<const TypeKernel> legacy_generic() { return kTypes; }

}  // namespace memwall::quant::kernels
