// AVX2 with AVX-VNNI: a Q8_0 cache's K against the query's quants in int8 dot products, 4 dimensions
// of 8 positions per instruction and head (vpdpbusd on 256-bit registers).
#include "attention_avx2.hpp"
#include "attention_isa.hpp"
#include "attention_simd.hpp"

namespace memwall::engine::detail {
namespace {

struct Avx2Vnni : Avx2 {
  static constexpr bool kInt8Dot = true;
  // K's quants biased by 128 to unsigned; the lanes start 128 times the query's quant sum below 0.
  static IReg dot_start(std::int32_t quant_sum) { return _mm256_set1_epi32(-128 * quant_sum); }
  static IReg dot_quads(const std::byte* p) { return _mm256_xor_si256(load_quads(p), _mm256_set1_epi8(-128)); }
  static IReg dot4(IReg acc, IReg k, std::int32_t four) { return _mm256_dpbusd_avx_epi32(acc, k, _mm256_set1_epi32(four)); }
  static Reg to_float(IReg i) { return _mm256_cvtepi32_ps(i); }
};

}  // namespace

const AttentionKernels& attention_avxvnni() {
  static constexpr AttentionKernels kernels = kernel_table<Avx2Vnni>("avxvnni");
  return kernels;
}

}  // namespace memwall::engine::detail
