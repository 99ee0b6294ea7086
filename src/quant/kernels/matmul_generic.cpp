// Portable kernels over the packed layout: the fallback for CPUs without a SIMD table, and a
// second, simple reading of the packed formats for the tests.
#include <cstring>

#include "memwall/quant/blocks.hpp"
#include "memwall/quant/half.hpp"
#include "tables.hpp"

namespace memwall::quant::kernels {
namespace {

constexpr int R = static_cast<int>(kPackRows);

float f16_at(const std::byte* p, int i) {
  std::uint16_t h;
  std::memcpy(&h, p + 2 * i, 2);
  return f16_to_f32(h);
}

// Element k of row i of a 16-row group (packed.hpp).
template <TensorType T>
float plain_at(const std::byte* group, int i, std::int64_t k) {
  const std::byte* p = group + static_cast<std::size_t>(k * kPackRows + i) * plain_element_bytes(T);
  if constexpr (T == TensorType::F32) {
    float x;
    std::memcpy(&x, p, 4);
    return x;
  } else {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return T == TensorType::F16 ? f16_to_f32(h) : bf16_to_f32(h);
  }
}

template <TensorType T>
void matmul_plain(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                  std::int64_t row_begin, std::int64_t row_end) {
  for (std::int64_t r = row_begin; r < row_end; ++r) {
    const std::byte* group = plain_group(w, r / R);
    for (std::int64_t t = 0; t < x.n_tokens; ++t) {
      const float* a = x.f32 + t * x.cols;
      float sum = 0;
      for (std::int64_t k = 0; k < w.cols; ++k) sum += plain_at<T>(group, r % R, k) * a[k];
      y[t * ldy + r] = sum;
    }
  }
}

// Quant of row r, weight k (0..31) of a packed 32-weight block, as a signed level.
using LevelFn = int (*)(const std::byte* quants, int r, int k);

int q8_0_level(const std::byte* q, int r, int k) {
  return static_cast<std::int8_t>(q[(k / 4) * 4 * R + 4 * r + k % 4]);
}

int q4_0_level(const std::byte* q, int r, int k) {
  const auto byte = static_cast<int>(q[(k / 8) * 4 * R + 4 * r + k % 4]);
  return (k % 8 < 4 ? byte & 15 : byte >> 4) - 8;
}

// Both formats: [16 x f16 d][quants], block after block.
template <LevelFn level>
void matmul_q_32(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                 std::int64_t row_begin, std::int64_t row_end) {
  const std::size_t block_bytes = w.group_bytes() / static_cast<std::size_t>(w.cols / kBlockSize);
  for (std::int64_t g = row_begin / R; g < row_end / R; ++g) {
    const std::byte* group = w.data + static_cast<std::size_t>(g) * w.group_bytes();
    for (std::int64_t t = 0; t < x.n_tokens; ++t) {
      float acc[R] = {};
      for (std::int64_t b = 0; b < w.cols / kBlockSize; ++b) {
        const std::byte* blk = group + static_cast<std::size_t>(b) * block_bytes;
        const std::int8_t* a = x.q + t * x.cols + b * kBlockSize;
        const float da = x.d[(t * x.cols) / kBlockSize + b];
        for (int r = 0; r < R; ++r) {
          int dot = 0;
          for (int k = 0; k < kBlockSize; ++k) dot += level(blk + 2 * R, r, k) * a[k];
          acc[r] += f16_at(blk, r) * da * static_cast<float>(dot);
        }
      }
      for (int r = 0; r < R; ++r) y[t * ldy + g * R + r] = acc[r];
    }
  }
}

constexpr TypeKernel kTypes[] = {
    {TensorType::F32, matmul_plain<TensorType::F32>},
    {TensorType::F16, matmul_plain<TensorType::F16>},
    {TensorType::BF16, matmul_plain<TensorType::BF16>},
    {TensorType::Q8_0, matmul_q_32<q8_0_level>},
    {TensorType::Q4_0, matmul_q_32<q4_0_level>},
};

}  // namespace

std::span<const TypeKernel> plain_generic() { return kTypes; }

void quantize_generic(ActivationKind kind, const float* x, std::int64_t n_rows, std::int64_t cols,
                      std::int8_t* q, float* d, std::int32_t* sums16) {
  quantize_rows_ref(kind, x, n_rows, cols, q, d, sums16);
}

}  // namespace memwall::quant::kernels
