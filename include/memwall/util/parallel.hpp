#pragma once
#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace memwall {

// Calls fn(begin, end) on `n_threads` threads (0 = all hardware threads) over contiguous slices of
// [0, n). For coarse work (whole tensors, megabyte chunks): it starts threads on every call.
template <typename Fn>
void parallel_for(std::int64_t n, unsigned n_threads, Fn&& fn) {
  if (n_threads == 0) n_threads = std::max(1u, std::thread::hardware_concurrency());
  const std::int64_t workers = std::min<std::int64_t>(n_threads, std::max<std::int64_t>(n, 1));
  if (workers <= 1) {
    fn(std::int64_t{0}, n);
    return;
  }
  std::vector<std::thread> threads;
  const std::int64_t per = (n + workers - 1) / workers;
  for (std::int64_t w = 1; w < workers; ++w) {
    const std::int64_t begin = std::min(n, w * per), end = std::min(n, begin + per);
    threads.emplace_back([&fn, begin, end] { fn(begin, end); });
  }
  fn(std::int64_t{0}, std::min(n, per));
  for (std::thread& t : threads) t.join();
}

}  // namespace memwall
