#pragma once
// Private to engine/: what one member of the thread team needs to do its share of a phase of the
// forward pass, and the scratch that holds quantized matmul inputs.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
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
  // cpu sets how far ahead each view's decode asks for its weights (quant::decode_prefetch_bytes).
  ActivationScratch(std::int64_t max_rows, std::int64_t max_cols, const quant::KernelCpu& cpu);

  // Quantizes (or, for f32 with padded rows, copies) rows `mine` of x (n rows of `cols`, `ld`
  // floats apart) into the slot of the kind weights of `type` take, and returns the view of all n
  // rows for them: complete once every member has done its share and a barrier has passed.
  quant::ActivationView prepare(const quant::Kernels& kernels, quant::TensorType type, const float* x,
                                std::int64_t n, std::int64_t cols, std::int64_t ld, Range mine);
  // A view prepare returned, for weights of another type of the same activation kind.
  quant::ActivationView share(quant::ActivationView view, quant::TensorType type) const;

 private:
  // prepare's view, without the decode prefetch distance.
  quant::ActivationView fill(const quant::Kernels& kernels, quant::ActivationKind kind, const float* x, std::int64_t n,
                             std::int64_t cols, std::int64_t ld, Range mine);

  HugeBuffer slots_[3];  // by ActivationKind
  quant::KernelCpu cpu_;
};


// Each member's share of the 16-row groups of a matmuls() call, [front, back) in one atomic word:
// its owner takes steps from the front, and a member done with its own share takes steps from the
// back. Every member writes its own slot at the start of each call; one who looks at a slot before
// its owner has written it finds it empty, as every call leaves all of them.
class WorkRanges {
 public:
  explicit WorkRanges(unsigned members) : slots_(std::make_unique<Slot[]>(members)) {}

  void set(unsigned member, Range groups) const {
    slots_[member].range.store(pack(groups.begin, groups.end), std::memory_order_relaxed);
  }
  // Up to `step` groups from the front of member's range; empty once it is.
  Range take_front(unsigned member, std::int64_t step) const { return take(member, step, true); }
  // Half of what is left of member's range (a multiple of 4 groups, at least 4) from its back.
  Range take_back(unsigned member) const { return take(member, 0, false); }

 private:
  struct alignas(64) Slot {
    std::atomic<std::uint64_t> range{0};
  };
  static std::int64_t half_of(std::int64_t groups) { return std::max<std::int64_t>(4, groups / 2 / 4 * 4); }
  static std::uint64_t pack(std::int64_t front, std::int64_t back) {
    return static_cast<std::uint64_t>(front) << 32 | static_cast<std::uint32_t>(back);
  }
  Range take(unsigned member, std::int64_t step, bool front) const {
    std::atomic<std::uint64_t>& range = slots_[member].range;
    std::uint64_t seen = range.load(std::memory_order_relaxed);
    for (;;) {
      const auto f = static_cast<std::int64_t>(seen >> 32), b = static_cast<std::int64_t>(seen & 0xffffffffu);
      if (f >= b) return {0, 0};
      const Range taken = front ? Range{f, std::min(b, f + step)} : Range{std::max(f, b - half_of(b - f)), b};
      const std::uint64_t left = front ? pack(taken.end, b) : pack(f, taken.begin);
      if (range.compare_exchange_weak(seen, left, std::memory_order_relaxed)) return taken;
    }
  }

  std::unique_ptr<Slot[]> slots_;
};

struct Phase {
  const quant::Kernels& kernels;
  unsigned member;
  unsigned members;
  hw::SpinBarrier& barrier;
  const WorkRanges& work;
  mutable const std::byte* warm_next = nullptr;  // what sync() asks for next, up to warm_end
  mutable const std::byte* warm_end = nullptr;

  // This member's contiguous share of n items.
  Range my(std::int64_t n) const {
    return {n * member / members, n * (member + 1) / members};
  }
  // Waits for the other members; while it waits, asks for the weights warm() named into L2.
  void sync() const {
    barrier.wait([this] {
      if (warm_next >= warm_end) return false;
      __builtin_prefetch(warm_next, 0, 2);
      warm_next += 64;
      return true;
    });
  }

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
      views[i] = same < i ? scratch.share(views[same], types[i])
                          : scratch.prepare(kernels, types[i], x, n, cols, ld, my(n));
    }
    return views;
  }

  // The jobs' 16-row groups, each member's share one stream from front to back, so that the
  // hardware prefetcher follows one address stream per core; a member done with its share takes
  // steps from the back of the others', so that a member slowed down by the other's traffic, or
  // one who spent the wait reading ahead (warm), evens the finish. A row's result does not depend
  // on which member computes it. Every member must call this with the same jobs, and the call must
  // be followed by sync() before the next one. done(job, row_begin, row_end) follows every run of
  // the kernel on the member that ran it, while the rows it wrote are in its cache. Measured
  // against the shrinking chunks from a shared counter it replaces: results/engine.md, *The waits
  // of a one-token step*.
  template <typename Done = decltype([](std::size_t, std::int64_t, std::int64_t) {})>
  void matmuls(std::span<const MatmulJob> jobs, Done&& done = {}) const {
    warm_next = warm_end = nullptr;
    std::int64_t total = 0;
    for (const MatmulJob& j : jobs) total += slots_of(*j.w);
    if (total == 0) return;
    work.set(member, share(total));
    const std::int64_t step = step_groups(*jobs.front().w, jobs.front().x.n_tokens);
    for (Range r; (r = work.take_front(member, step)).begin < r.end;) run(jobs, r, done);
    for (unsigned i = 1; i < members; ++i) {
      for (Range r; (r = work.take_back((member + i) % members)).begin < r.end;) run(jobs, r, done);
    }
  }

  // Names the matrices of the next matmuls() call, in the order of its jobs: the syncs until then
  // ask for up to kWarmBytes of this member's share into L2, so that the time a member waits (on
  // the others, or for the one who does a token's elementwise work) reads weights as well.
  void warm(std::span<const quant::PackedMatrix* const> next) const {
    warm_next = warm_end = nullptr;
    std::int64_t total = 0;
    for (const quant::PackedMatrix* w : next) total += slots_of(*w);
    const std::int64_t first = share(total).begin;
    std::int64_t at = 0;  // the number of the matrix's first group, as in run()
    for (const quant::PackedMatrix* w : next) {
      const std::int64_t begin = std::max<std::int64_t>(first - at, 0);
      if (begin < groups_of(*w)) {
        const std::size_t group_bytes = w->group_bytes();
        warm_next = w->data + static_cast<std::size_t>(begin) * group_bytes;
        warm_end = warm_next + std::min(kWarmBytes, static_cast<std::size_t>(groups_of(*w) - begin) * group_bytes);
        return;
      }
      at += slots_of(*w);
    }
  }

 private:
  static std::int64_t groups_of(const quant::PackedMatrix& w) { return w.padded_rows() / quant::kPackRows; }
  // A call numbers its jobs' groups one after the other, each job's from a multiple of 4 (the
  // kernels' tiles run over 1-4 groups), so that every step starts on a tile; the numbers past a
  // job's last group stand for nothing.
  static std::int64_t slots_of(const quant::PackedMatrix& w) { return (groups_of(w) + 3) / 4 * 4; }

  // This member's share of `total` numbered groups: an even split on multiples of 4.
  Range share(std::int64_t total) const {
    const auto boundary = [&](unsigned m) { return m == members ? total : total * m / members / 4 * 4; };
    return {boundary(member), boundary(member + 1)};
  }

  // Runs the numbered groups r of the jobs.
  template <typename Done>
  void run(std::span<const MatmulJob> jobs, Range r, Done& done) const {
    std::int64_t at = 0;  // the number of the job's first group
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const MatmulJob& j = jobs[i];
      const std::int64_t begin = std::max<std::int64_t>(r.begin - at, 0), end = std::min(r.end - at, groups_of(*j.w));
      if (begin < end) {
        kernels.matmul(j.w->type)(*j.w, j.x, j.y, j.ldy, begin * quant::kPackRows, end * quant::kPackRows);
        done(i, begin * quant::kPackRows, end * quant::kPackRows);
      }
      at += slots_of(*j.w);
    }
  }

  // Groups an owner takes at a time: for one token about kDecodeStepBytes of weights, each call one
  // long stream (or two side by side, quant::decode_side_by_side); for more, about kStepBytes,
  // fewer as the tokens grow, whose arithmetic a large last step would leave to one member; at
  // least 4, and 12 for 2-16 tokens, whose float tiles take 3 groups (4 groups of F16 took
  // llama-3.2-1b at 8 users from 88-90 to 82-83 tok/s; results/engine.md).
  static std::int64_t step_groups(const quant::PackedMatrix& w, std::int64_t n_tokens) {
    const std::int64_t bytes = n_tokens <= 1 ? kDecodeStepBytes : std::max<std::int64_t>(32 << 10, kStepBytes / n_tokens);
    const std::int64_t least = n_tokens > 1 && n_tokens <= 16 ? 12 : 4;
    return std::max<std::int64_t>(least, bytes / static_cast<std::int64_t>(w.group_bytes()) / 4 * 4);
  }

  static constexpr std::int64_t kStepBytes = 128 << 10;
  // On the Zen 5 host, tg128 alternated, fast mode, % of the read around each run: 128 KiB steps
  // against 1 MiB with two groups side by side, llama-3.2-1b Q4_K_M 82% -> 84-88%, Q4_0 87-88% ->
  // 90%, F16 83-85% -> 86%, qwen2.5-0.5b Q4_0 89% -> 92%; slow mode qwen2.5-0.5b F16 88-91% -> 95%
  // (results/engine.md, *Zen 5: one-token steps of 1 MiB*).
  static constexpr std::int64_t kDecodeStepBytes = 1 << 20;
  // How much of its share a member asks for while it waits: what its L2 holds beside the stream
  // it is reading.
  static constexpr std::size_t kWarmBytes = 512 << 10;
};

}  // namespace memwall::engine::detail
