#include "memwall/engine/ops.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include "memwall/quant/half.hpp"

namespace memwall::engine {

// The sum of squares in 16 running sums the compiler vectorizes: one sum is a chain of n dependent
// additions (2048 of them per norm of llama-3.2-1b, while the other thread waits; results/engine.md,
// *The single thread's work between matmuls*).
void rms_norm(const float* x, const float* weight, float eps, std::int64_t n, float* y) {
  constexpr std::int64_t kLanes = 16;
  double lane_sum[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::int64_t j = 0; j < kLanes; ++j) lane_sum[j] += static_cast<double>(x[i + j]) * x[i + j];
  }
  double sum_sq = 0;
  for (; i < n; ++i) sum_sq += static_cast<double>(x[i]) * x[i];
  for (const double s : lane_sum) sum_sq += s;
  const float scale = static_cast<float>(1.0 / std::sqrt(sum_sq / static_cast<double>(n) + eps));
  for (std::int64_t k = 0; k < n; ++k) y[k] = x[k] * scale * weight[k];
}

std::vector<double> rope_frequencies(std::int64_t head_dim, double base, std::span<const float> factors) {
  std::vector<double> f(static_cast<std::size_t>(head_dim / 2));
  for (std::size_t i = 0; i < f.size(); ++i) {
    f[i] = std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(head_dim));
    if (!factors.empty()) f[i] /= factors[i];
  }
  return f;
}

void rope_angles(std::span<const double> frequencies, std::int64_t pos, float* cos, float* sin) {
  for (std::size_t i = 0; i < frequencies.size(); ++i) {
    const double angle = static_cast<double>(pos) * frequencies[i];
    cos[i] = static_cast<float>(std::cos(angle));
    sin[i] = static_cast<float>(std::sin(angle));
  }
}

// One loop per layout, each of which the compiler vectorizes (with the layout chosen inside the
// loop it did not).
void rope_apply(float* x, std::int64_t head_dim, const float* cos, const float* sin, bool pairs_adjacent) {
  const std::int64_t half = head_dim / 2;
  if (pairs_adjacent) {
    for (std::int64_t i = 0; i < half; ++i) {
      const float a = x[2 * i], b = x[2 * i + 1];
      x[2 * i] = a * cos[i] - b * sin[i];
      x[2 * i + 1] = a * sin[i] + b * cos[i];
    }
    return;
  }
  float* second = x + half;
  for (std::int64_t i = 0; i < half; ++i) {
    const float a = x[i], b = second[i];
    x[i] = a * cos[i] - b * sin[i];
    second[i] = a * sin[i] + b * cos[i];
  }
}

void silu_mul(const float* gate, const float* up, std::int64_t n, float* out) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void to_f16(const float* x, std::int64_t n, std::uint16_t* out) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = quant::f32_to_f16(x[i]);
}

void softmax(float* x, std::int64_t n) {
  float max = x[0];
  for (std::int64_t i = 1; i < n; ++i) max = std::max(max, x[i]);
  double sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const auto inverse = static_cast<float>(1.0 / sum);
  for (std::int64_t i = 0; i < n; ++i) x[i] *= inverse;
}

void add(const float* x, std::int64_t n, float* y) {
  for (std::int64_t i = 0; i < n; ++i) y[i] += x[i];
}

// Two passes the compiler vectorizes: the largest value (16 running maxima, NaN never taken), then
// its first index. One pass that compares each logit with the best so far runs at the latency of a
// dependent compare: on qwen2.5-0.5b's 151936 logits it took 1% of a decode step's core time.
std::int32_t argmax(const float* x, std::int64_t n) {
  constexpr std::int64_t kLanes = 16;
  float lane_max[kLanes];
  std::fill(std::begin(lane_max), std::end(lane_max), -std::numeric_limits<float>::infinity());
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::int64_t j = 0; j < kLanes; ++j) lane_max[j] = x[i + j] > lane_max[j] ? x[i + j] : lane_max[j];
  }
  float best = *std::max_element(std::begin(lane_max), std::end(lane_max));
  for (; i < n; ++i) best = x[i] > best ? x[i] : best;
  const float* at = std::find(x, x + n, best);
  return at == x + n ? 0 : static_cast<std::int32_t>(at - x);
}

BestLogit best_logit(const float* x, std::int64_t begin, std::int64_t end) {
  if (begin >= end) return {};
  const std::int64_t at = begin + argmax(x + begin, end - begin);
  return {x[at], static_cast<std::int32_t>(at)};
}

}  // namespace memwall::engine
