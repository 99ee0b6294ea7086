// A cache line's round trip between the two cores against the read of one and of two cores, sampled
// every 2 s (results/engine.md, *Zen 5: the two modes are two placements of the cores*). Not part of
// the build:
//   g++ -O2 -mavx2 -std=c++20 -pthread results/data/core-roundtrip.cpp -o roundtrip && ./roundtrip SAMPLES
#include <immintrin.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <thread>
using clk = std::chrono::steady_clock;
static void pin(int c) { cpu_set_t s; CPU_ZERO(&s); CPU_SET(c, &s); pthread_setaffinity_np(pthread_self(), sizeof s, &s); }
alignas(64) std::atomic<int> ping{0};
alignas(64) std::atomic<int> pong{0};
static double pingpong(int rounds) {
  std::thread t([&] { pin(1); for (int i = 1; i <= rounds; ++i) { while (ping.load(std::memory_order_acquire) != i) _mm_pause(); pong.store(i, std::memory_order_release); } });
  pin(0);
  auto t0 = clk::now();
  for (int i = 1; i <= rounds; ++i) { ping.store(i, std::memory_order_release); while (pong.load(std::memory_order_acquire) != i) _mm_pause(); }
  double ns = std::chrono::duration<double, std::nano>(clk::now() - t0).count() / rounds;
  t.join(); ping = 0; pong = 0;
  return ns;
}
static double sum_range(const char* p, size_t n) {
  __m256i acc = _mm256_setzero_si256();
  for (size_t i = 0; i < n; i += 128) {
    acc = _mm256_add_epi64(acc, _mm256_load_si256((const __m256i*)(p + i)));
    acc = _mm256_add_epi64(acc, _mm256_load_si256((const __m256i*)(p + i + 32)));
    acc = _mm256_add_epi64(acc, _mm256_load_si256((const __m256i*)(p + i + 64)));
    acc = _mm256_add_epi64(acc, _mm256_load_si256((const __m256i*)(p + i + 96)));
  }
  return (double)_mm256_extract_epi64(acc, 0);
}
int main(int argc, char** argv) {
  int samples = argc > 1 ? atoi(argv[1]) : 30;
  size_t bytes = size_t(1) << 30;
  char* buf = (char*)aligned_alloc(1 << 21, bytes);
  madvise(buf, bytes, MADV_HUGEPAGE);
  memset(buf, 1, bytes);
  volatile double sink = 0;
  for (int s = 0; s < samples; ++s) {
    double best = 0;
    for (int r = 0; r < 3; ++r) {
      auto t0 = clk::now();
      std::thread t([&] { pin(1); sink = sink + sum_range(buf + bytes / 2, bytes / 2); });
      pin(0); sink = sink + sum_range(buf, bytes / 2); t.join();
      double gbs = bytes / std::chrono::duration<double, std::nano>(clk::now() - t0).count();
      if (gbs > best) best = gbs;
    }
    double one = 0;
    { auto t0 = clk::now(); pin(0); sink = sink + sum_range(buf, bytes / 2); one = bytes / 2 / std::chrono::duration<double, std::nano>(clk::now() - t0).count(); }
    double rt = pingpong(200000);
    std::printf("%3d read2 %6.1f GB/s read1 %5.1f  roundtrip %6.0f ns\n", s, best, one, rt);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
}
