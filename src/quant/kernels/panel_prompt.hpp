#pragma once
// Private to quant/kernels: a prompt of float weights with the tile turned around, written once over
// the vector width. Rows sit in the lanes of a register (V::kLanes of them), so that one weight
// register serves NT tokens (each token's activation broadcast to it) and an accumulator holds
// kLanes results instead of one partial sum. The ISA's fill(rv, r0, k0, kc, panel) converts and
// transposes rows r0 .. r0 + kLanes rv of columns k0 .. k0 + kc into the panel, k-major:
// panel[k][kLanes rv]; the panel then serves every token of the call. y holds the sums
// from one panel of columns to the next (only rows wider than kPanelCols have more than one). Each
// result is one chain of multiply-adds from the first column to the last, whatever the tokens
// around it; it is not the order of the few-token bands, so a token's result in a prompt differs
// from its decode result by rounding.
//
// V: using Reg; kLanes; zero(); load(aligned p); loadu(p); storeu(p, v); set1(f); fmadd(a, b, c).
// In an anonymous namespace, as the kernels that use it, so each ISA's instantiation is its own.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "memwall/quant/activations.hpp"
#include "memwall/quant/packed.hpp"
#include "narrow.hpp"

namespace memwall::quant::kernels {
namespace {

inline constexpr std::int64_t kPanelCols = 2048;

// Each thread's panel of kRows rows x kPanelCols columns (up to 512 KiB, too much for a stack):
// allocated at its first prompt, then reused.
template <int kRows>
float* panel_scratch() {
  struct alignas(64) Line {
    float v[16];
  };
  thread_local std::vector<Line> lines(static_cast<std::size_t>(kRows * kPanelCols / 16));
  return lines.front().v;
}

// y[t][r0 .. r0 + kLanes RV] = (k0 > 0 ? y : 0) + the panel's kc columns times tokens t0 .. t0 + NT's.
template <typename V, int RV, int NT>
void panel_tile(const float* panel, std::int64_t kc, const ActivationView& x, std::int64_t k0, float* y,
                std::int64_t ldy, std::int64_t r0, std::int64_t t0) {
  constexpr int L = V::kLanes;
  typename V::Reg acc[RV][NT];
  for (int t = 0; t < NT; ++t) {
    for (int v = 0; v < RV; ++v) acc[v][t] = k0 == 0 ? V::zero() : V::loadu(y + (t0 + t) * ldy + r0 + L * v);
  }
  const float* xk = x.f32 + t0 * x.cols + k0;
  for (std::int64_t k = 0; k < kc; ++k) {
    typename V::Reg wv[RV];
    for (int v = 0; v < RV; ++v) wv[v] = V::load(panel + k * L * RV + L * v);
    for (int t = 0; t < NT; ++t) {
      // From the value: a broadcast from a pointer (_mm256_broadcast_ss) made GCC keep every
      // accumulator on the stack and store it in every step.
      const typename V::Reg xb = V::set1(xk[t * x.cols + k]);
      for (int v = 0; v < RV; ++v) acc[v][t] = V::fmadd(wv[v], xb, acc[v][t]);
    }
  }
  for (int t = 0; t < NT; ++t) {
    for (int v = 0; v < RV; ++v) V::storeu(y + (t0 + t) * ldy + r0 + L * v, acc[v][t]);
  }
}

// Panels of up to kRows rows (a multiple of kLanes), tiles of kRows rows x NT tokens.
template <typename V, int kRows, int NT, typename Fill>
void panel_prompt(const PackedMatrix& w, const ActivationView& x, float* y, std::int64_t ldy,
                  std::int64_t row_begin, std::int64_t row_end, Fill&& fill) {
  constexpr int L = V::kLanes;
  float* panel = panel_scratch<kRows>();
  for (std::int64_t k0 = 0; k0 < w.cols; k0 += kPanelCols) {
    const std::int64_t kc = std::min(kPanelCols, w.cols - k0);
    for (std::int64_t r = row_begin; r < row_end;) {
      const std::int64_t vectors = std::min<std::int64_t>(kRows / L, (row_end - r) / L);
      narrow<kRows / L>(vectors, [&](auto rv) {
        fill(rv, r, k0, kc, panel);
        std::int64_t t = 0;
        for (; t + NT <= x.n_tokens; t += NT) panel_tile<V, rv(), NT>(panel, kc, x, k0, y, ldy, r, t);
        narrow<NT - 1>(x.n_tokens - t, [&](auto nt) { panel_tile<V, rv(), nt()>(panel, kc, x, k0, y, ldy, r, t); });
      });
      r += L * vectors;
    }
  }
}

}  // namespace
}  // namespace memwall::quant::kernels
