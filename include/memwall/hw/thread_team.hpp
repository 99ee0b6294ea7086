#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "memwall/util/result.hpp"

namespace memwall::hw {

// What a thread does between looks at an atomic it waits on (pause, yield).
void cpu_relax();

// A fixed team of threads, each bound to its own set of hardware threads, that runs one function on
// every member at once. The calling thread is member 0, so a team of n uses n cores, not n + 1.
// run() allocates nothing and takes no lock: members spin briefly on an atomic generation counter
// and then sleep on it, so back-to-back runs (one per matmul) cost well under a microsecond.
class ThreadTeam {
 public:
  // member_pus[i]: the hardware threads (OS ids) member i is bound to; empty = unbound.
  static Result<std::unique_ptr<ThreadTeam>> create(std::vector<std::vector<unsigned>> member_pus);
  ~ThreadTeam();
  ThreadTeam(const ThreadTeam&) = delete;
  ThreadTeam& operator=(const ThreadTeam&) = delete;

  unsigned size() const { return static_cast<unsigned>(member_pus_.size()); }

  // Calls fn(member) for member = 0..size()-1 concurrently and returns when all have returned.
  template <typename Fn>
  void run(Fn&& fn) {
    run_erased(&invoke<std::remove_reference_t<Fn>>, &fn);
  }

 private:
  using Task = void (*)(void* context, unsigned member);
  template <typename Fn>
  static void invoke(void* context, unsigned member) {
    (*static_cast<Fn*>(context))(member);
  }

  explicit ThreadTeam(std::vector<std::vector<unsigned>> member_pus);
  void run_erased(Task task, void* context);
  void worker_loop(unsigned member);

  std::vector<std::vector<unsigned>> member_pus_;
  std::vector<unsigned> caller_binding_;  // restored when the team ends
  std::vector<std::thread> workers_;
  Task task_ = nullptr;
  void* context_ = nullptr;
  alignas(64) std::atomic<std::uint64_t> generation_{0};
  alignas(64) std::atomic<unsigned> pending_{0};
  std::atomic<unsigned> started_{0};
  bool stopping_ = false;
};

// A barrier for the members of one ThreadTeam::run: every member calls wait() at the same points,
// and none passes until all have arrived. Spins (the members are pinned to their own cores and the
// phases between barriers are short), then yields.
class SpinBarrier {
 public:
  explicit SpinBarrier(unsigned members) : members_(members) {}
  void wait() {
    wait([] { return false; });
  }
  // wait(), calling idle() between looks at the others for as long as it returns true: a member
  // that arrives first can use the wait (the engine asks for the next weights it will read).
  template <typename Idle>
  void wait(Idle&& idle) {
    const unsigned generation = generation_.load(std::memory_order_acquire);
    if (arrive()) return;
    bool busy = true;
    for (int spins = 0; generation_.load(std::memory_order_acquire) == generation;) {
      if (busy) busy = idle();
      if (!busy) pause(spins++);
    }
  }

 private:
  // Counts this member in; the last to arrive opens the barrier and gets true.
  bool arrive();
  // Spins a little, or after many spins yields the core.
  static void pause(int spins);

  unsigned members_;
  alignas(64) std::atomic<unsigned> arrived_{0};
  alignas(64) std::atomic<unsigned> generation_{0};
};

// One member per physical core, bound to that core's hardware threads: the default for measuring.
Result<std::unique_ptr<ThreadTeam>> make_core_team(unsigned n_threads);

}  // namespace memwall::hw
