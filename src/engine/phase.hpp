#pragma once
// Private to engine/: what one member of the thread team needs to do its share of a phase of the
// forward pass, and the scratch that holds quantized matmul inputs.
#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "memwall/hw/thread_team.hpp"
#include "memwall/quant/matmul.hpp"
#include "memwall/util/huge_buffer.hpp"

namespace memwall::engine::detail {

inline std::int64_t pad16(std::int64_t n) { return (n + 15) / 16 * 16; }

struct Range {
  std::int64_t begin, end;
};

// One matrix times a batch of activations: y (n, ldy) = x W^T.
struct MatmulJob {
  const quant::PackedMatrix* w;
  quant::ActivationView x;
  float* y;
  std::int64_t ldy;
};

// Quantized copies of one matmul input, one slot per activation kind, reused phase after phase.
class ActivationScratch {
 public:
  ActivationScratch() = default;
  ActivationScratch(std::int64_t max_rows, std::int64_t max_cols);

  // Quantizes (or, for f32 with padded rows, copies) rows `mine` of x (n rows of `cols`, `ld`
  // floats apart) into the slot of `kind`, and returns the view of all n rows: complete once every
  // member has done its share and a barrier has passed.
  quant::ActivationView prepare(const quant::Kernels& kernels, quant::ActivationKind kind, const float* x,
                                std::int64_t n, std::int64_t cols, std::int64_t ld, Range mine);

 private:
  HugeBuffer slots_[3];  // by ActivationKind
};

// Rows [begin, begin + count) of a view.
quant::ActivationView rows_of(const quant::ActivationView& v, std::int64_t begin, std::int64_t count);

struct Phase {
  const quant::Kernels& kernels;
  unsigned member;
  unsigned members;
  hw::SpinBarrier& barrier;

  // This member's contiguous share of n items.
  Range my(std::int64_t n) const {
    return {n * member / members, n * (member + 1) / members};
  }
  void sync() const { barrier.wait(); }

  // The views the given weight types need of x, each kind prepared once: views[i] for types[i].
  template <std::size_t N>
  std::array<quant::ActivationView, N> prepare(ActivationScratch& scratch, const quant::TensorType (&types)[N],
                                               const float* x, std::int64_t n, std::int64_t cols,
                                               std::int64_t ld) const {
    std::array<quant::ActivationView, N> views;
    for (std::size_t i = 0; i < N; ++i) {
      const quant::ActivationKind kind = quant::activation_kind(types[i]);
      std::size_t same = 0;
      while (same < i && views[same].kind != kind) ++same;
      views[i] = same < i ? views[same] : scratch.prepare(kernels, kind, x, n, cols, ld, my(n));
    }
    return views;
  }

  // The jobs' 16-row groups, as one list, split evenly over the members.
  void matmuls(std::span<const MatmulJob> jobs) const {
    std::int64_t total = 0;
    for (const MatmulJob& j : jobs) total += j.w->padded_rows() / quant::kPackRows;
    const Range r = my(total);
    std::int64_t base = 0;
    for (const MatmulJob& j : jobs) {
      const std::int64_t groups = j.w->padded_rows() / quant::kPackRows;
      const std::int64_t lo = std::max(r.begin, base), hi = std::min(r.end, base + groups);
      if (lo < hi) {
        kernels.matmul(j.w->type)(*j.w, j.x, j.y, j.ldy, (lo - base) * quant::kPackRows,
                                  (hi - base) * quant::kPackRows);
      }
      base += groups;
    }
  }
};

}  // namespace memwall::engine::detail
