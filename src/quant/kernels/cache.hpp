#pragma once
// How the kernels keep DRAM and L2 busy with the right bytes.
//
// Tiles (several tokens per weight block) are compute-bound, and the hardware prefetcher does not
// run far enough ahead of so slow a consumer to hide DRAM latency: a batched decode step, whose
// weights come from DRAM once, ran at 55-70% of the tile's in-cache speed (matmul_bench's batch8
// against tokens8). A tile therefore asks, for every block it reads, for the bytes
// kTilePrefetchBytes further on, into L2. 2, 4 and 8 KiB ahead into L1 helped less than 16 KiB
// into L2, and 32 KiB was no better. Decode is in between. Most kernels read faster with the
// hardware prefetcher alone (matmul_bench decode, one thread: Q8_0 23-26 against 17-18 GB/s with
// a prefetch; float decode: see matmul_plain; AVX-512 Q4_K, Q5_K and Q6_K 83, 70 and 54.5 against
// 75, 62 and 48 GOPS, AVX2 Q6_K 57 against 51). Those whose unpacking is slowest need it: Q3_K
// (AVX-512 57 against 24 GOPS without, AVX2 66 against 38), Q2_K on AVX-512 (63 against 60)
// and AVX2 Q4_K (90 against 72).
//
// All of that was measured on AMD Zen 4. An Intel core (a 2-core Xeon VM with AVX-512, 2 MiB of L2 per
// core, 240 ns to DRAM) is different: with the hardware prefetcher alone a decode stream reached
// 70-85% of the probe's read on two cores, while the plain read kernel needs no help. Asking for each
// line 1 KiB ahead into L1 (prefetcht0) as the kernel reads a block: matmul_bench decode_cores, two
// alternated rounds, Q4_0 24-26 -> 29-30 GB/s, Q8_0 27 -> 31-33, Q4_K 20-21 -> 26-28, Q6_K 22 -> 24.6-25.3,
// F16 32-33 -> 33.3-33.6, against a read of 32-35; 512 B and 1.5-4 KiB ahead, or into L2, did no
// better. Decode kernels therefore take the distance from the activations (decode_prefetch_bytes in
// matmul.hpp chooses it per CPU and weight type) and prefetch_decode does nothing when it is 0.
//
// AMD Zen 5 (a 2-core EPYC VM, 1 MiB of L2 per core, whose two cores read 52 or 85 GB/s from DRAM,
// switching within seconds) wants more, and not for every type. AVX-512 decode on two cores over 1
// GiB, two groups side by side, the distances taking turns round by round with the read measured
// between rounds (results/data/decode-pair.cpp; 16-25 rounds), % of it in the fast mode, nothing /
// 1 KiB / 4 KiB ahead: Q4_K 46 / 74 / 88, Q5_K 40 / 66 / 89, Q6_K 78 / 76 / 92, Q4_0 83 / 83 / 94, Q4_1
// 85 / 82 / 96, Q5_0 76 / 82 / 94, Q3_K 91 / 75 / 94; in the slow mode all within 3 points of
// each other but Q4_K (69 without). 8 KiB was no better. Q8_0 (89 / 93 / 92, 2 KiB 94) and F16
// (87 / 88 / 82; but 2 KiB: kZen5FloatDecodePrefetchBytes) gained little and nothing end to end
// (tg128, alternated), and Q2_K lost in the slow mode, so those stay at 0. End to end (tg128,
// alternated, % of the read around each run, two groups side by side), in the fast mode:
// llama-3.2-1b Q4_K_M 59% at 1 KiB -> 68-69% at 4 KiB, Q4_0 74-77% -> 81-83% and qwen2.5-0.5b Q4_0
// 80% -> 84-85% from nothing; in the slow mode Q4_K_M even, qwen Q4_0 95% -> 92%.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "memwall/quant/activations.hpp"

namespace memwall::quant::kernels {

inline constexpr std::size_t kTilePrefetchBytes = 16384;
inline constexpr std::size_t kDecodePrefetchBytes = 1024;
inline constexpr std::size_t kZen5DecodePrefetchBytes = 4096;
// Zen 5 again: 4 KiB is the distance for each of two streams side by side (one token). One stream
// wants about as many bytes in flight on its own, so it asks further ahead. One core from DRAM
// (decode-pair.cpp, one thread, 8 alternated rounds, twice, % of one core's read between rounds):
// Q6_K one stream 6 KiB ahead 93-95%, 8 KiB 92-93%, two side by side 3-4 KiB 87-90%, so Q6_K reads one
// token in one stream (decode_side_by_side); Q4_K, Q4_0 and Q5_K gained nothing from one stream.
// A batched step (2-8 tokens, one stream) wants 12 KiB: matmul_bench batch4, one thread, 4 -> 12
// KiB: Q4_0 25 -> 38 GB/s, Q4_1 27 -> 39, Q4_K 26 -> 34, Q5_K 23-24 -> 33, Q6_K 29 -> 40 (16 and
// 24 KiB no better); batch8 a few percent; 8 users of llama-3.2-1b Q4_K_M 334-338 -> 349 tok/s,
// Q4_0 340-341 -> 358-361 (the results/engine.md driver, two threads, slow mode).
inline constexpr std::size_t kZen5Q6DecodePrefetchBytes = 6144;
inline constexpr std::size_t kZen5BatchPrefetchBytes = 12288;
// Float decode reads four groups side by side (kFloatDecodeGroups): four streams, so 2 KiB ahead in
// each. One core, 2048 columns (decode-pair.cpp, 8 rounds): F16 nothing 88%, 1.5 KiB 94%, 2 KiB
// 92-95%, 3 KiB 86%, 4 KiB 83%; BF16 89 -> 93% at 2 KiB; on 8192 columns F16 92% either way; F32
// 98% either way, so it asks nothing. Two cores in the fast mode, F16: 86 -> 90-91%.
inline constexpr std::size_t kZen5FloatDecodePrefetchBytes = 2048;
// Float weights are column-major (packed.hpp): a batched step's tile reads one line of each group
// per 1-2 columns and asks for the line this far on, into L1. The Intel host, one thread,
// matmul_bench avx512vnni/F16/batch8: 99-104 GOPS 16 KiB ahead into L2, 106-109 at 4 KiB, 107-111 at 2
// KiB, 107-109 at 1 KiB; end to end at 8 users of llama-3.2-1b F16 (two threads) 68-69 tok/s at 16
// KiB into L2, 76-77 at 2 KiB into L2, 80-82 at 2 KiB into L1 (75-79 at 1 KiB, 77-81 at 4 KiB).
inline constexpr std::size_t kColumnTilePrefetchBytes = 2048;
// Float decode and tiles take two lines of each group per step, asking for both at its start: one
// line was 4-9% slower end to end (llama-3.2-1b F16 tg128, two threads, 11.2-11.6 against
// 12.3-12.7 tok/s; at 8 users of qwen2.5-0.5b F16 166-177 against 184-187), four no faster.
inline constexpr std::size_t kColumnStepBytes = 128;
// Float decode reads four groups side by side on every CPU (for_parts_side_by_side): a group's 16
// lanes are each one chain of multiply-adds, a link every 4 cycles, so one group at a time computed
// 16 weights per 4 cycles. On the Zen 5 host, matmul_bench decode_l2 (one thread, in cache) F16
// 35 -> 69 (two groups) -> 110 GB/s (four), AVX2 F16 35 -> 110, BF16 35 -> 80; tg128 in the fast
// mode (a read of 95-100 GB/s over 256 MiB), alternated: qwen2.5-0.5b F16 63.6-63.9 -> 71.0-72.6 tok/s,
// llama-3.2-1b F16 25.5 -> 28.2, and even (91% of the read) in the slow mode. The chains are the
// same, so the bits are too.
inline constexpr int kFloatDecodeGroups = 4;

// Columns 0 .. cols of column-major float weights (packed.hpp), column_bytes each: ask() at the start
// of every whole step of step_bytes, then column(k) for each of its columns; the last columns, fewer
// than a step, without asking.
template <std::size_t kStepBytes, std::size_t kColumnBytes, typename Ask, typename Column>
[[gnu::always_inline]] inline void for_column_steps(std::int64_t cols, Ask&& ask, Column&& column) {
  constexpr std::int64_t kPerStep = static_cast<std::int64_t>(kStepBytes / kColumnBytes);
  std::int64_t k = 0;
  for (; k + kPerStep <= cols; k += kPerStep) {
    ask();
    for (std::int64_t j = 0; j < kPerStep; ++j) column(k + j);
  }
  for (; k < cols; ++k) column(k);
}
// Whether column k of a group starts a 64-byte line of it.
inline bool starts_line(std::int64_t k, std::size_t column_bytes) {
  return static_cast<std::size_t>(k) * column_bytes % 64 == 0;
}

// Prefetches the cache lines of [block + kTilePrefetchBytes, + bytes) for reading, into L2. Past
// the end of the weights this only touches nothing: a prefetch never faults.
// Addresses are formed as integers: a pointer past the end of its object would be undefined.
inline void prefetch_lines(std::uintptr_t at, std::size_t bytes) {
  for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(reinterpret_cast<const void*>(at + off), 0, 2);
}
inline void prefetch_ahead(const std::byte* block, std::size_t bytes) {
  prefetch_lines(reinterpret_cast<std::uintptr_t>(block) + kTilePrefetchBytes, bytes);
}
// Decode: the cache lines of [block + ahead, + bytes) into L1, or nothing when ahead is 0.
inline void prefetch_decode(const std::byte* block, std::size_t bytes, std::size_t ahead) {
  if (ahead == 0) return;
  const std::uintptr_t at = reinterpret_cast<std::uintptr_t>(block) + ahead;
  for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(reinterpret_cast<const void*>(at + off), 0, 3);
}
// A tile's block of `bytes`: as decode asks for it where a few tokens stream (kStream, at most
// kStreamTokens), else kTilePrefetchBytes ahead into L2.
template <bool kStream>
inline void prefetch_tile_block(const std::byte* block, std::size_t bytes, const ActivationView& x) {
  if constexpr (kStream) {
    prefetch_decode(block, bytes, x.decode_prefetch_bytes);
  } else {
    prefetch_ahead(block, bytes);
  }
}

// On Intel cores, and on AMD's for one token (x.decode_side_by_side; decode_side_by_side in
// matmul.hpp), decode reads the groups of rows two at a time where it asks ahead, block by block:
// two streams in two places. Each stream the L2 prefetcher follows keeps only so many lines in
// flight, too few for 240 ns to DRAM once the arithmetic slows the reader down. On the Intel core,
// matmul_bench decode_cores, two alternated rounds: Q4_0 27.6-28.3 -> 33.4-34.3 GB/s, Q8_0 30.2-30.3
// -> 31.7-34.0; a loop outside the project that reads one buffer and does some arithmetic per line
// read 32 GB/s in one stream and 37.5 in two on two cores. On AMD Zen 4, where decode asks for
// nothing ahead, groups side by side were 20-45% slower, so there it stays one group at a time.
// AVX-512 Q4_K was the exception while it asked for a whole super-block at its start: 29.2-30.7 GB/s
// one group at a time, 27.5-28.2 two (Q5_K 26.1-26.7 -> 27.7-29.0, Q6_K 25.4-26.3 -> 28.2-29.0);
// asked for part by part, in turns of a sub-block (kquant_avx512.hpp), two are faster. Three or
// four groups did no better for any type.
// The two groups side by side are the two halves of the call's range, group i of the first with
// group i of the second: each half is one contiguous stream, so the prefetch that runs past a
// group's end lands on the next group that stream reads. Pairs of neighbours (g, g + 1) did as
// well on 4096-wide rows but not on short ones, where every pair started a stream cold:
// matmul_bench decode_cores on 896 columns (qwen2.5-0.5b's width), Q4_0 24.2-24.7 GB/s against
// 33 on 4096, Q8_0 29.2-30.3 against 34.
// fn(std::integral_constant<int, NG>, g, apart) decodes groups g, g + apart, ..., g + (NG - 1) apart;
// kGroups = 1 keeps one at a time.
// for_parts_side_by_side<N> splits groups g .. g_end into N equal parts read side by side (the
// rest one at a time); for_decode_groups is it with N = 2 where the view asks ahead and side by
// side, else 1.
template <int kParts, typename Fn>
void for_parts_side_by_side(std::int64_t g, std::int64_t g_end, Fn&& fn) {
  if constexpr (kParts > 1) {
    const std::int64_t part = (g_end - g) / kParts;
    for (std::int64_t i = 0; i < part; ++i) fn(std::integral_constant<int, kParts>{}, g + i, part);
    g += kParts * part;
  }
  for (; g < g_end; ++g) fn(std::integral_constant<int, 1>{}, g, std::int64_t{0});
}
template <int kGroups = 2, typename Fn>
void for_decode_groups(const ActivationView& x, std::int64_t g, std::int64_t g_end, Fn&& fn) {
  if (kGroups == 2 && x.decode_prefetch_bytes && x.decode_side_by_side) {
    return for_parts_side_by_side<2>(g, g_end, fn);
  }
  for_parts_side_by_side<1>(g, g_end, fn);
}

// Up to this many tokens, where the CPU takes a decode distance, the AVX-512 kernels of quantized
// weights (all but Q2_K and Q3_K) read the weights as decode does (each block asked for as it is
// read, two groups side by side on Intel) and dot each unpacked block with every token; more go
// group by group in tiles that ask kTilePrefetchBytes ahead into L2. A step of 2-8 tokens is still bound by
// DRAM, or nearly: on the Intel host, matmul_bench batch4/batch8 (one thread, from DRAM), GOPS tile
// -> stream: Q4_0 176 -> 192 and 206-228 -> 267-276, Q8_0 105-108 -> 115-120 and 173-174 ->
// 186-205, Q4_K 141 -> 197 and 203-207 -> 245-248, Q6_K 97 -> 148-151 and 157-160 -> 203-206. In
// cache (tokens8) the stream is 5-10% slower than the tile for Q5_K and Q6_K: two groups of 8
// tokens want more registers than there are.
inline constexpr int kStreamTokens = 8;
// Whether x's tokens are few enough to be read that way on this CPU.
inline bool streams_tokens(const ActivationView& x) {
  return x.n_tokens <= kStreamTokens && x.decode_prefetch_bytes != 0;
}

// What a float tile asks for while it reads its groups (matmul_plain): nothing; the line
// kColumnTilePrefetchBytes further on in its own groups (the first tile of a few tokens, which
// streams them from DRAM); or the same bytes of the next tile's groups (a later tile of the same
// groups, which reads them from cache and would otherwise leave DRAM idle while it computes).
enum class Ahead { none, stream, next_rows };

}  // namespace memwall::quant::kernels
