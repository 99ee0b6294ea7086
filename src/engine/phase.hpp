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
  // decode_prefetch_bytes goes into every view prepare returns (quant::decode_prefetch_bytes).
  ActivationScratch(std::int64_t max_rows, std::int64_t max_cols, std::size_t decode_prefetch_bytes);

  // Quantizes (or, for f32 with padded rows, copies) rows `mine` of x (n rows of `cols`, `ld`
  // floats apart) into the slot of `kind`, and returns the view of all n rows: complete once every
  // member has done its share and a barrier has passed.
  quant::ActivationView prepare(const quant::Kernels& kernels, quant::ActivationKind kind, const float* x,
                                std::int64_t n, std::int64_t cols, std::int64_t ld, Range mine);

 private:
  // prepare's view, without the decode prefetch distance.
  quant::ActivationView fill(const quant::Kernels& kernels, quant::ActivationKind kind, const float* x, std::int64_t n,
                             std::int64_t cols, std::int64_t ld, Range mine);

  HugeBuffer slots_[3];  // by ActivationKind
  std::size_t decode_prefetch_bytes_ = 0;
};

// Rows [begin, begin + count) of a view.
quant::ActivationView rows_of(const quant::ActivationView& v, std::int64_t begin, std::int64_t count);

// Hands out matmul chunks to whichever member asks first. Never reset while a pass runs: every
// member asks once more than it gets work in each matmuls() call, so each member knows where the
// next call's chunks start without talking to the others.
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

  // The jobs' 16-row groups in chunks taken in turn by whichever member is free, so that a member
  // slowed down by the other's traffic takes less of the work. A row's result does not depend on
  // which member computes it. Every member must call this with the same jobs, and the call must
  // be followed by sync() before the next one.
  //
  // A chunk is 1/(2 x members) of what is left of its job (at least min_chunk_bytes of weights):
  // each member's first chunk is one long stream for the hardware prefetcher, and the small last
  // ones even out the finish. Against chunks of a fixed 64-256 KiB, tg128 with the read bandwidth
  // sampled around every repetition (results/engine.md): llama-3.2-1b Q4_0 decode at 72% against
  // 62% of the host's fast-mode read, 88% against 86% of its slow mode.
  void matmuls(std::span<const MatmulJob> jobs) const {
    std::int64_t total = 0;
    for (const MatmulJob& j : jobs) {
      for (std::int64_t at = 0; at < groups_of(j); at += chunk_groups(j, at)) ++total;
    }
    // This member's cursor: chunk `index` of the call starts at group `start` of job `job`.
    std::size_t job = 0;
    std::int64_t start = 0, index = 0;
    for (;;) {
      const std::int64_t c = work.next.fetch_add(1, std::memory_order_relaxed) - work_base;
      if (c >= total) break;
      for (;; ++index) {
        while (start == groups_of(jobs[job])) ++job, start = 0;  // past a finished (or empty) job
        if (index == c) break;
        start += chunk_groups(jobs[job], start);
      }
      const MatmulJob& j = jobs[job];
      const std::int64_t end = start + chunk_groups(j, start);
      kernels.matmul(j.w->type)(*j.w, j.x, j.y, j.ldy, start * quant::kPackRows, end * quant::kPackRows);
    }
    work_base += total + members;
  }

 private:
  // Every chunk starts a stream anew; with one token it is nothing else, and chunks of at least
  // 128 KiB made a decode step 0.9% faster than 32 KiB (11 of 12 runs faster; results/engine.md).
  // The floor falls with the tokens, whose arithmetic a large last chunk would leave to one member.
  static std::int64_t min_chunk_bytes(const MatmulJob& j) {
    return std::max<std::int64_t>(32 << 10, (128 << 10) / std::max<std::int64_t>(j.x.n_tokens, 1));
  }

  static std::int64_t groups_of(const MatmulJob& j) { return j.w->padded_rows() / quant::kPackRows; }

  // Groups in the chunk that starts at group `at` of job j: a multiple of 4 but for the job's last.
  std::int64_t chunk_groups(const MatmulJob& j, std::int64_t at) const {
    const std::int64_t left = groups_of(j) - at;
    const std::int64_t min_groups =
        std::max<std::int64_t>(4, min_chunk_bytes(j) / static_cast<std::int64_t>(j.w->group_bytes()) / 4 * 4);
    const std::int64_t share = (left + 2 * members - 1) / (2 * members);
    return std::min(left, std::max(min_groups, (share + 3) / 4 * 4));
  }
};

}  // namespace memwall::engine::detail
