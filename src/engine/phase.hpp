#pragma once
// Private to engine/: what one member of the thread team needs to do its share of a phase of the
// forward pass, and the scratch that holds quantized matmul inputs.
#include <algorithm>
#include <array>
#include <atomic>
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

// Hands out matmul chunks to whichever member asks first. Never reset while a pass runs: every
// member asks once more than it gets work in each matmuls() call, so each member knows where the
// next call's chunks start without talking to the others.
#define CHUNK_SHIFT 20
struct WorkCounter {
  alignas(64) std::atomic<std::int64_t> next{0};
};

struct Phase {
  const quant::Kernels& kernels;
  unsigned member;
  unsigned members;
  hw::SpinBarrier& barrier;
  WorkCounter& work;
  mutable std::int64_t work_base = 0;  // the counter's value where the next matmuls() call starts

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

  // The jobs' 16-row groups in chunks of a few groups, taken in turn by whichever member is free,
  // so that a member slowed down by the other's traffic takes less of the work. A row's result
  // does not depend on which member computes it. Every member must call this with the same jobs,
  // and the call must be followed by sync() before the next one.
  void matmuls(std::span<const MatmulJob> jobs) const {
    const std::int64_t chunk_bytes = chunk_bytes_for(jobs);
    std::int64_t total = 0;
    for (const MatmulJob& j : jobs) total += chunk_count(j, chunk_bytes);
    for (;;) {
      std::int64_t c = work.next.fetch_add(1, std::memory_order_relaxed) - work_base;
      if (c >= total) break;
      for (const MatmulJob& j : jobs) {
        const std::int64_t n = chunk_count(j, chunk_bytes);
        if (c < n) {
          const std::int64_t rows = chunk_groups(j, chunk_bytes) * quant::kPackRows;
          kernels.matmul(j.w->type)(*j.w, j.x, j.y, j.ldy, c * rows, std::min((c + 1) * rows, j.w->padded_rows()));
          break;
        }
        c -= n;
      }
    }
    work_base += total + members;
  }

 private:
  // Bytes of weights per chunk: large, because every chunk starts new streams that the hardware
  // prefetcher must pick up again, but small enough that each member gets about four chunks of
  // the call to balance with. Against fixed 64 KiB chunks, two threads, interleaved runs:
  // llama-3.2-1b Q4_K_M decode 33-38 against 31-32 steps/s, 8 sequences 19-21 against 15-19.
  std::int64_t chunk_bytes_for(std::span<const MatmulJob> jobs) const {
    std::int64_t bytes = 0;
    for (const MatmulJob& j : jobs) bytes += static_cast<std::int64_t>(j.w->group_bytes()) * (j.w->padded_rows() / quant::kPackRows);
    return std::clamp<std::int64_t>(bytes / (4 * members), std::int64_t{64} << 10, std::int64_t{256} << 10);
  }
  // Groups per chunk: a multiple of 4 (the decode kernels stream 4 groups at once), about
  // chunk_bytes of weights or more.
  static std::int64_t chunk_groups(const MatmulJob& j, std::int64_t chunk_bytes) {
    const auto group_bytes = static_cast<std::int64_t>(j.w->group_bytes());
    return 4 * std::max<std::int64_t>(1, chunk_bytes / (4 * group_bytes));
  }
  static std::int64_t chunk_count(const MatmulJob& j, std::int64_t chunk_bytes) {
    const std::int64_t groups = j.w->padded_rows() / quant::kPackRows, per = chunk_groups(j, chunk_bytes);
    return (groups + per - 1) / per;
  }
};

}  // namespace memwall::engine::detail
