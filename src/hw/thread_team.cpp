#include "memwall/hw/thread_team.hpp"

#include "memwall/hw/topology.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace memwall::hw {

void cpu_relax() {
#if defined(__x86_64__)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

namespace {

// Spin this many times before sleeping: long enough to bridge the gap between consecutive runs
// (tens of microseconds), short enough not to burn a core while the team is idle.
constexpr int kSpinsBeforeSleep = 1 << 16;

}  // namespace

ThreadTeam::ThreadTeam(std::vector<std::vector<unsigned>> member_pus)
    : member_pus_(std::move(member_pus)) {}

Result<std::unique_ptr<ThreadTeam>> ThreadTeam::create(
    std::vector<std::vector<unsigned>> member_pus) {
  if (member_pus.empty()) return make_error("thread team: needs at least one member");
  std::unique_ptr<ThreadTeam> team(new ThreadTeam(std::move(member_pus)));
  team->caller_binding_ = current_thread_binding();
  if (!team->member_pus_[0].empty()) {
    if (Status bound = bind_current_thread(team->member_pus_[0]); !bound.ok()) return bound.error();
  }
  for (unsigned member = 1; member < team->size(); ++member) {
    team->workers_.emplace_back([t = team.get(), member] { t->worker_loop(member); });
  }
  // Wait until every worker has bound itself, so the first measured run does not include it.
  while (team->started_.load(std::memory_order_acquire) != team->size() - 1) cpu_relax();
  return team;
}

ThreadTeam::~ThreadTeam() {
  stopping_ = true;
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  if (!caller_binding_.empty()) (void)bind_current_thread(caller_binding_);
}

void ThreadTeam::run_erased(Task task, void* context) {
  task_ = task;
  context_ = context;
  pending_.store(size() - 1, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  task(context, 0);
  // Yield after a while: if the team is oversubscribed, a member still waiting for a core must not
  // have to wait for this thread's time slice to end too.
  for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins < kSpinsBeforeSleep) {
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }
}

void ThreadTeam::worker_loop(unsigned member) {
  if (!member_pus_[member].empty()) (void)bind_current_thread(member_pus_[member]);
  std::uint64_t seen = generation_.load(std::memory_order_acquire);
  started_.fetch_add(1, std::memory_order_release);
  for (;;) {
    int spins = 0;
    std::uint64_t now;
    while ((now = generation_.load(std::memory_order_acquire)) == seen) {
      if (++spins < kSpinsBeforeSleep) {
        cpu_relax();
      } else {
        generation_.wait(seen, std::memory_order_acquire);
      }
    }
    seen = now;
    if (stopping_) return;
    task_(context_, member);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

bool SpinBarrier::arrive() {
  if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 != members_) return false;
  arrived_.store(0, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  return true;
}

void SpinBarrier::pause(int spins) {
  if (spins < kSpinsBeforeSleep) {
    cpu_relax();
  } else {
    std::this_thread::yield();
  }
}

Result<std::unique_ptr<ThreadTeam>> make_core_team(unsigned n_threads) {
  Result<Topology> topology = detect_topology();
  if (!topology.ok()) return topology.error();
  if (n_threads == 0 || n_threads > topology->physical_cores()) {
    return make_error("{} threads requested; this machine has {} physical cores", n_threads,
                      topology->physical_cores());
  }
  std::vector<std::vector<unsigned>> member_pus;
  for (unsigned i = 0; i < n_threads; ++i) member_pus.push_back(topology->cores[i].pu_os_ids);
  return ThreadTeam::create(std::move(member_pus));
}

}  // namespace memwall::hw
