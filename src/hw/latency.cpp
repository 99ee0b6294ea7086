#include "memwall/hw/latency.hpp"

#include <algorithm>
#include <atomic>
#include <numeric>
#include <random>
#include <vector>

#include "memwall/util/huge_buffer.hpp"
#include "memwall/util/clock.hpp"

namespace memwall::hw {
namespace {

constexpr std::size_t kLineBytes = 64;

struct alignas(kLineBytes) Line {
  const Line* next;
};

// Sattolo's shuffle: a uniformly random permutation that is one single cycle through all lines.
std::vector<std::uint32_t> random_cycle(std::size_t n, std::uint64_t seed) {
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937_64 rng(seed);
  for (std::size_t i = n - 1; i > 0; --i) {
    std::uniform_int_distribution<std::size_t> pick(0, i - 1);
    std::swap(order[i], order[pick(rng)]);
  }
  return order;
}

const Line* chase(const Line* p, std::uint64_t loads) {
  for (std::uint64_t i = 0; i < loads; i += 8) {
    p = p->next; p = p->next; p = p->next; p = p->next;
    p = p->next; p = p->next; p = p->next; p = p->next;
  }
  return p;
}

}  // namespace

Result<LatencyResult> measure_latency(std::uint64_t array_bytes, std::uint64_t loads,
                                      unsigned repetitions, std::uint64_t seed) {
  Result<HugeBuffer> buffer = HugeBuffer::allocate(array_bytes);
  if (!buffer.ok()) return buffer.error();
  auto* lines = static_cast<Line*>(buffer->data());
  const std::size_t n = array_bytes / kLineBytes;
  if (n < 2) return make_error("latency: array of {} bytes is too small", array_bytes);
  const std::vector<std::uint32_t> order = random_cycle(n, seed);
  // Line i's successor in the cycle is order[i].
  for (std::size_t i = 0; i < n; ++i) lines[i].next = &lines[order[i]];

  LatencyResult result{array_bytes, loads / 8 * 8, 0, buffer->huge_pages_requested(), {}};
  const Line* p = chase(&lines[0], std::min<std::uint64_t>(n, result.loads));  // warm the TLB
  double best_ns = 0;
  for (unsigned rep = 0; rep < std::max(1u, repetitions); ++rep) {
    const std::int64_t start = steady_now_ns();
    p = chase(p, result.loads);
    const double ns = static_cast<double>(steady_now_ns() - start) / static_cast<double>(result.loads);
    best_ns = rep == 0 ? ns : std::min(best_ns, ns);
  }
  // The end of the walk must be a line of the array: this uses p, so the chase cannot be dropped.
  if (p < lines || p >= lines + n) return make_error("latency: pointer chase left the array");
  result.ns_per_load = best_ns;
  return result;
}

namespace {

struct alignas(kLineBytes) Flag {
  std::atomic<std::uint64_t> value{0};
};

// Member 0 stores i into ping and waits for i in pong; member 1 answers each i. The clock runs from
// the first answer to the last, so a member still waking up is not timed.
double round_trip_ns(ThreadTeam& team, std::uint64_t round_trips) {
  Flag ping, pong;
  std::int64_t start = 0, end = 0;
  team.run([&](unsigned member) {
    if (member > 1) return;
    for (std::uint64_t i = 1; i <= round_trips + 1; ++i) {
      if (member == 0) {
        ping.value.store(i, std::memory_order_release);
        while (pong.value.load(std::memory_order_acquire) != i) cpu_relax();
        if (i == 1) start = steady_now_ns();
      } else {
        while (ping.value.load(std::memory_order_acquire) != i) cpu_relax();
        pong.value.store(i, std::memory_order_release);
      }
    }
    if (member == 0) end = steady_now_ns();
  });
  return static_cast<double>(end - start) / static_cast<double>(round_trips);
}

}  // namespace

Result<double> measure_round_trip(ThreadTeam& team, std::uint64_t round_trips, unsigned batches) {
  if (team.size() < 2) return make_error("core round trip: needs two threads, the team has {}", team.size());
  if (round_trips == 0 || batches == 0) return make_error("core round trip: no round trips to time");
  std::vector<double> ns;
  for (unsigned b = 0; b < batches; ++b) ns.push_back(round_trip_ns(team, round_trips));
  std::nth_element(ns.begin(), ns.begin() + ns.size() / 2, ns.end());
  return ns[ns.size() / 2];
}

Result<std::optional<CoreRoundTrip>> measure_core_round_trips(const Topology& topology, std::uint64_t round_trips,
                                                              unsigned batches) {
  if (topology.cores.size() < 2) return std::optional<CoreRoundTrip>{};
  CoreRoundTrip result;
  for (std::size_t core = 1; core < topology.cores.size(); ++core) {
    Result<std::unique_ptr<ThreadTeam>> team =
        ThreadTeam::create({topology.cores[0].pu_os_ids, topology.cores[core].pu_os_ids});
    if (!team.ok()) return team.error();
    Result<double> ns = measure_round_trip(**team, round_trips, batches);
    if (!ns.ok()) return ns.error();
    result.nearest_ns = core == 1 ? *ns : std::min(result.nearest_ns, *ns);
    result.farthest_ns = std::max(result.farthest_ns, *ns);
  }
  return std::optional<CoreRoundTrip>{result};
}

}  // namespace memwall::hw
