#pragma once
// Tiles (several tokens per weight block) are compute-bound, and the hardware prefetcher does not
// run far enough ahead of so slow a consumer to hide DRAM latency: a batched decode step, whose
// weights come from DRAM once, ran at 55-70% of the tile's in-cache speed (matmul_bench's batch8
// against tokens8). A tile therefore asks, for every block it reads, for the bytes
// kTilePrefetchBytes further on, into L2. 2, 4 and 8 KiB ahead into L1 helped less than 16 KiB
// into L2, and 32 KiB was no better. Decode kernels leave prefetching to the hardware: with two
// threads, software prefetch made them slower.
#include <cstddef>
#include <cstdint>

namespace memwall::quant::kernels {

inline constexpr std::size_t kTilePrefetchBytes = 16384;

// Prefetches the cache lines of [block + kTilePrefetchBytes, + bytes) for reading, into L2. Past
// the end of the weights this only touches nothing: a prefetch never faults.
// The address is formed as an integer: a pointer past the end of its object would be undefined.
inline void prefetch_ahead(const std::byte* block, std::size_t bytes) {
  const std::uintptr_t ahead = reinterpret_cast<std::uintptr_t>(block) + kTilePrefetchBytes;
  for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(reinterpret_cast<const void*>(ahead + off), 0, 2);
}

}  // namespace memwall::quant::kernels
