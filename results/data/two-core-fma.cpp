// Over time: FMA GFLOPS of one thread alone (cpu0), of two at once (cpu0+cpu1), and the round
// trip between them (results/fit.md, *prompt runs and the compute around them*).
// g++ -O2 -std=c++20 -pthread two-core-fma.cpp -o two-core-fma && ./two-core-fma 200
#include <immintrin.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <pthread.h>
#include <sched.h>
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
__attribute__((target("avx512f,fma"))) static float fma_loop(long iters) {
  __m512 a[8]; for (int k = 0; k < 8; ++k) a[k] = _mm512_set1_ps(1.0f + k);
  const __m512 m = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(0.5f);
  for (long i = 0; i < iters; ++i) for (int k = 0; k < 8; ++k) a[k] = _mm512_fmadd_ps(a[k], m, c);
  __m512 s = a[0]; for (int k = 1; k < 8; ++k) s = _mm512_add_ps(s, a[k]);
  return _mm512_reduce_add_ps(s);
}
const long kIters = 1000000;  // 8M FMAs x 16 lanes x 2 = 256 MFLOP per thread
static double gflops1() { pin(0); auto t0 = clk::now(); volatile float r = fma_loop(kIters); (void)r; return 2.0 * 16 * 8 * kIters / std::chrono::duration<double, std::nano>(clk::now() - t0).count(); }
static double gflops2() {
  volatile float r1 = 0; auto t0 = clk::now();
  std::thread t([&] { pin(1); r1 = fma_loop(kIters); });
  pin(0); volatile float r0 = fma_loop(kIters); (void)r0; t.join();
  return 2 * 2.0 * 16 * 8 * kIters / std::chrono::duration<double, std::nano>(clk::now() - t0).count();
}
int main(int argc, char** argv) {
  int samples = argc > 1 ? atoi(argv[1]) : 100;
  for (int s = 0; s < samples; ++s) {
    double one = 0, two = 0;
    for (int r = 0; r < 3; ++r) { double g = gflops1(); if (g > one) one = g; g = gflops2(); if (g > two) two = g; }
    double rt = pingpong(100000);
    auto now = std::chrono::system_clock::now().time_since_epoch();
    std::printf("%ld one %6.1f GFLOPS two %6.1f (x%.2f) roundtrip %5.0f ns\n", (long)std::chrono::duration_cast<std::chrono::seconds>(now).count() % 100000, one, two, two / one, rt);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}
