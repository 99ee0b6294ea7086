#pragma once
// The small per-token operations of the forward pass, in float. All are O(width) per token, against
// the matmuls' O(width^2): plain loops the compiler vectorises suffice.
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace memwall::engine {

// y = x / rms(x) * weight, rms over n values, for one row.
void rms_norm(const float* x, const float* weight, float eps, std::int64_t n, float* y);

// Rotary position embedding. The frequencies base^(-2i/d), divided by `factors` (d/2 of them, may be
// empty: llama3 scaling), are a property of the model; their cosines and sines at one position are
// computed once per token and applied to every head of every layer.
std::vector<double> rope_frequencies(std::int64_t head_dim, double base, std::span<const float> factors);
void rope_angles(std::span<const double> frequencies, std::int64_t pos, float* cos, float* sin);
// Rotates one head in place. `pairs_adjacent`: (x[2i], x[2i+1]), as llama-arch GGUF files expect
// (their q/k rows were permuted at conversion); else (x[i], x[i+d/2]), as qwen2/qwen3 do.
void rope_apply(float* x, std::int64_t head_dim, const float* cos, const float* sin, bool pairs_adjacent);

// x[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + e^-g).
void silu_mul(const float* gate, const float* up, std::int64_t n, float* out);
// out[i] = x[i] as f16 (quant::f32_to_f16) for n values.
void to_f16(const float* x, std::int64_t n, std::uint16_t* out);

// In place: softmax over n values; returns nothing, the values sum to 1.
void softmax(float* x, std::int64_t n);

void add(const float* x, std::int64_t n, float* y);  // y += x

// The index of the largest of n values, the first of equals; NaN is never taken (0 if all are NaN).
std::int32_t argmax(const float* x, std::int64_t n);

// The largest value of the parts of a row seen so far, and its index: merged over the parts in any
// order, token() is argmax of the whole row.
struct BestLogit {
  float value = -std::numeric_limits<float>::infinity();
  std::int32_t index = std::numeric_limits<std::int32_t>::max();  // none yet

  void merge(BestLogit other) {
    if (other.value > value || (other.value == value && other.index < index)) *this = other;
  }
  std::int32_t token() const { return index == std::numeric_limits<std::int32_t>::max() ? 0 : index; }
};
// Of x[begin, end).
BestLogit best_logit(const float* x, std::int64_t begin, std::int64_t end);

}  // namespace memwall::engine
