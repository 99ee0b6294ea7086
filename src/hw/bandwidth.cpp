#include "memwall/hw/bandwidth.hpp"

#include <algorithm>

#include "memwall/util/huge_buffer.hpp"
#include "memwall/hw/thread_team.hpp"
#include "memwall/util/clock.hpp"
#include "memwall/util/stats.hpp"
#include "member_share.hpp"

namespace memwall::hw {
namespace {

// Initial contents; triad then makes a = b + kScalar * c, which validates exactly in doubles.
constexpr double kA = 1.0, kB = 2.0, kC = 0.5, kScalar = 3.0;

struct Arrays {
  HugeBuffer a, b, c;
  std::size_t n = 0;
  double* pa() const { return static_cast<double*>(a.data()); }
  double* pb() const { return static_cast<double*>(b.data()); }
  double* pc() const { return static_cast<double*>(c.data()); }
};

Result<Arrays> allocate_arrays(std::uint64_t array_bytes) {
  Arrays arrays;
  for (HugeBuffer* buffer : {&arrays.a, &arrays.b, &arrays.c}) {
    Result<HugeBuffer> allocated = HugeBuffer::allocate(array_bytes);
    if (!allocated.ok()) return allocated.error();
    *buffer = std::move(allocated).value();
  }
  arrays.n = array_bytes / sizeof(double);
  return arrays;
}

// One timed pass of `kernel` over all shares; returns elapsed ns.
std::int64_t run_once(ThreadTeam& team, const BandwidthKernels& k, StreamKernel kernel,
                      const Arrays& arr, std::vector<double>& sums) {
  const unsigned members = team.size();
  const std::int64_t start = steady_now_ns();
  team.run([&](unsigned m) {
    const Span s = share_of(arr.n, members, m);
    double* a = arr.pa() + s.begin;
    switch (kernel) {
      case StreamKernel::read: sums[m] = k.read(a, s.count); break;
      case StreamKernel::write: k.write(a, s.count, kA); break;
      case StreamKernel::write_nt: k.write_nt(a, s.count, kA); break;
      case StreamKernel::copy: k.copy(arr.pc() + s.begin, a, s.count); break;
      case StreamKernel::triad: k.triad(a, arr.pb() + s.begin, arr.pc() + s.begin, kScalar, s.count);
    }
  });
  return steady_now_ns() - start;
}

bool read_sums_valid(const std::vector<double>& sums, std::size_t n) {
  for (unsigned m = 0; m < sums.size(); ++m) {
    const Span s = share_of(n, static_cast<unsigned>(sums.size()), m);
    if (sums[m] != kA * static_cast<double>(s.count)) return false;
  }
  return true;
}

// STREAM-style validation after the last kernel: every 997th element (a prime stride, so the
// check is spread over pages and members) holds the value the kernel sequence must leave.
bool arrays_valid(const Arrays& arr) {
  const auto valid_at = [&](std::size_t i) {
    return arr.pa()[i] == kB + kScalar * kA && arr.pb()[i] == kB && arr.pc()[i] == kA;
  };
  for (std::size_t i = 0; i < arr.n; i += 997) {
    if (!valid_at(i)) return false;
  }
  return valid_at(arr.n - 1);
}

// Times one pass and checks what a read returned.
Result<double> timed_gbps(ThreadTeam& team, const BandwidthKernels& k, const StreamKernelInfo& info,
                          const Arrays& arr, std::vector<double>& sums) {
  const std::int64_t ns = run_once(team, k, info.id, arr, sums);
  if (info.id == StreamKernel::read && !read_sums_valid(sums, arr.n)) {
    return make_error("bandwidth: read kernel ({}) returned a wrong sum", k.isa);
  }
  return static_cast<double>(arr.n) * info.counted_bytes_per_element / static_cast<double>(ns);
}

// The function a table runs for `kernel`: tables that share it need timing once.
const void* kernel_address(const BandwidthKernels& k, StreamKernel kernel) {
  switch (kernel) {
    case StreamKernel::read: return reinterpret_cast<const void*>(k.read);
    case StreamKernel::write: return reinterpret_cast<const void*>(k.write);
    case StreamKernel::write_nt: return reinterpret_cast<const void*>(k.write_nt);
    case StreamKernel::copy: return reinterpret_cast<const void*>(k.copy);
    case StreamKernel::triad: break;
  }
  return reinterpret_cast<const void*>(k.triad);
}

bool timed_before(const Candidates& candidates, std::size_t c, StreamKernel kernel) {
  for (std::size_t earlier = 0; earlier < c; ++earlier) {
    if (kernel_address(*candidates[earlier], kernel) == kernel_address(*candidates[c], kernel)) return true;
  }
  return false;
}

// Warm-up doubles as a choice: each candidate table runs twice, interleaved, and the faster one is
// measured. Which ISA streams fastest is the CPU's business (on Zen 4, 256-bit loads beat 512-bit
// ones by a few percent; on an Intel core the prefetched read beats the plain one by a quarter), so
// it is measured rather than assumed.
Result<const BandwidthKernels*> pick_fastest(ThreadTeam& team, const Candidates& candidates,
                                             const StreamKernelInfo& info, const Arrays& arr,
                                             std::vector<double>& sums) {
  std::vector<double> best(candidates.size(), 0);
  for (int round = 0; round < 2; ++round) {
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      if (timed_before(candidates, c, info.id)) continue;
      Result<double> gbps = timed_gbps(team, *candidates[c], info, arr, sums);
      if (!gbps.ok()) return gbps.error();
      best[c] = std::max(best[c], *gbps);
    }
  }
  return candidates[std::max_element(best.begin(), best.end()) - best.begin()];
}

Status measure_at(unsigned threads, unsigned repetitions, const Candidates& candidates,
                  const Topology& topology, const BandwidthOptions& options,
                  BandwidthResult& result) {
  std::vector<std::vector<unsigned>> member_pus;
  for (unsigned i = 0; i < threads; ++i) member_pus.push_back(topology.cores[i].pu_os_ids);
  Result<std::unique_ptr<ThreadTeam>> team = ThreadTeam::create(std::move(member_pus));
  if (!team.ok()) return team.error();
  Result<Arrays> arrays = allocate_arrays(options.array_bytes);
  if (!arrays.ok()) return arrays.error();
  const Arrays& arr = *arrays;
  result.huge_pages_requested = arr.a.huge_pages_requested();
  (*team)->run([&](unsigned m) {  // first touch by the member that will stream the share
    const Span s = share_of(arr.n, threads, m);
    std::fill_n(arr.pa() + s.begin, s.count, kA);
    std::fill_n(arr.pb() + s.begin, s.count, kB);
    std::fill_n(arr.pc() + s.begin, s.count, kC);
  });
  std::vector<double> sums(threads);
  for (const StreamKernelInfo& info : kStreamKernels) {
    Result<const BandwidthKernels*> chosen = pick_fastest(**team, candidates, info, arr, sums);
    if (!chosen.ok()) return chosen.error();
    BandwidthPoint point{std::string(info.name), std::string((*chosen)->isa), threads, {}, 0, 0};
    for (unsigned rep = 0; rep < repetitions; ++rep) {
      Result<double> gbps = timed_gbps(**team, **chosen, info, arr, sums);
      if (!gbps.ok()) return gbps.error();
      point.samples_gbps.push_back(*gbps);
    }
    const Summary summary = summarize(point.samples_gbps);
    point.best_gbps = summary.max;
    point.median_gbps = summary.median;
    result.points.push_back(std::move(point));
  }
  if (!arrays_valid(arr)) return make_error("bandwidth: kernels left wrong values in the arrays");
  return {};
}

}  // namespace

const BandwidthPoint* BandwidthResult::find(std::string_view kernel, unsigned threads) const {
  for (const BandwidthPoint& p : points) {
    if (p.kernel == kernel && p.threads == threads) return &p;
  }
  return nullptr;
}

std::vector<unsigned> scaling_thread_counts(unsigned cores) {
  std::vector<unsigned> counts;
  for (unsigned t = 1; t < cores; t *= 2) counts.push_back(t);
  counts.push_back(std::max(1u, cores));
  return counts;
}

Result<BandwidthResult> measure_bandwidth(const BandwidthOptions& options,
                                          const Candidates& candidates,
                                          const Topology& topology) {
  if (candidates.empty()) return make_error("bandwidth: no kernel table to measure with");
  BandwidthResult result;
  result.array_bytes = options.array_bytes;
  const unsigned all = options.thread_counts.empty() ? 1 : options.thread_counts.back();
  for (unsigned threads : options.thread_counts) {
    if (threads == 0 || threads > topology.physical_cores()) {
      return make_error("bandwidth: {} threads requested, {} cores", threads,
                        topology.physical_cores());
    }
    const unsigned reps = threads == all ? options.repetitions : options.scaling_repetitions;
    if (Status s = measure_at(threads, std::max(1u, reps), candidates, topology, options, result);
        !s.ok()) {
      return s.error();
    }
  }
  return result;
}

}  // namespace memwall::hw
