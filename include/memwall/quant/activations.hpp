#pragma once
// Activations are quantized once per matmul, to 8-bit blocks the weight type's kernel consumes:
// blocks of 32 with their own scale for Q4_0 ... Q8_0 (as ggml's Q8_0/Q8_1), blocks of 256 for the
// K-quants (as ggml's Q8_K). Float weights take the activations as they are.
#include <cstddef>
#include <cstdint>

#include "memwall/quant/types.hpp"

namespace memwall::quant {

enum class ActivationKind { f32, q8_32, q8_256 };

inline constexpr std::int64_t kActivationTileTokens = 16;  // tokens of a tile of ActivationView::q_tiles

// The kind a weight type's kernel consumes.
ActivationKind activation_kind(TensorType weight_type);
inline std::int64_t activation_block(ActivationKind kind) { return kind == ActivationKind::q8_256 ? 256 : 32; }

// Quantized activations of n_tokens rows, row after row in each array: x[t][k] ~= d * q.
struct ActivationView {
  ActivationKind kind = ActivationKind::f32;
  std::int64_t n_tokens = 0;
  std::int64_t cols = 0;
  const float* f32 = nullptr;      // kind f32: [n_tokens][cols]
  const std::int8_t* q = nullptr;  // [n_tokens][cols]
  const float* d = nullptr;        // [n_tokens][cols / block]
  // [n_tokens][cols / 16]: sum of each 16 quants. The kernels fold the zero points of the weight
  // formats (Q4_0's 8, a K-quant's mins) into these sums instead of touching each weight.
  const std::int32_t* sums16 = nullptr;
  // Kind q8_32, at least kActivationTileTokens tokens, for kernels that ask for it
  // (Kernels::tiled_activations), else null: q again in tiles of 16 tokens, [n_tokens / 16,
  // rounded up][cols / 32][16][32], each tile of one 32-block 512 contiguous bytes (what an AMX
  // tile load reads; q's rows, cols bytes apart, fall in two or one of L1's sets when cols is a
  // multiple of 2048). Rows past n_tokens in the last tile are not written.
  const std::int8_t* q_tiles = nullptr;
  // How far ahead of the weights it reads a one-token (decode) kernel asks for them, in bytes; 0
  // leaves the stream to the hardware prefetcher. Set per CPU (decode_prefetch_bytes, matmul.hpp);
  // it changes only the speed, never a result.
  std::size_t decode_prefetch_bytes = 0;
  // Whether a decode kernel that asks ahead reads two row groups side by side (for_decode_groups in
  // the kernels' cache.hpp) or one at a time. Set per CPU (decode_side_by_side, matmul.hpp).
  bool decode_side_by_side = false;
};

// Where n_tokens x cols quantized activations live in caller-owned, 64-byte aligned scratch:
// [q][d][sums16][q_tiles (q8_32 only)], each array 64-byte aligned. With scratch == nullptr, only
// total_bytes is valid.
struct ActivationBuffers {
  std::int8_t* q;
  float* d;
  std::int32_t* sums16;
  std::int8_t* q_tiles;
  std::size_t total_bytes;
};
ActivationBuffers activation_buffers(ActivationKind kind, std::int64_t n_tokens, std::int64_t cols,
                                     std::byte* scratch);
ActivationView activation_view(ActivationKind kind, std::int64_t n_tokens, std::int64_t cols,
                               const ActivationBuffers& buffers);

// Rows [begin, begin + count) of a view; the tiled copy stays only where begin starts a tile.
ActivationView activation_rows(const ActivationView& v, std::int64_t begin, std::int64_t count);

// Copies rows [t_begin, t_end) of q (cols columns each) to their places in q_tiles
// (ActivationView::q_tiles).
void tile_activation_rows(const std::int8_t* q, std::int64_t t_begin, std::int64_t t_end, std::int64_t cols,
                          std::int8_t* q_tiles);

// Quantizes n_rows rows of x (cols a multiple of the kind's block) into q, d and sums16, which
// point at the first of those rows. The scalar reference; each kernel table has a SIMD twin that
// must write identical bytes.
void quantize_rows_ref(ActivationKind kind, const float* x, std::int64_t n_rows, std::int64_t cols,
                       std::int8_t* q, float* d, std::int32_t* sums16);

}  // namespace memwall::quant
