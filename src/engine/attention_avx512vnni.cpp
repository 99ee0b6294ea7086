// AVX-512 with VNNI: a Q8_0 cache's K against the query's quants in int8 dot products, 4 dimensions
// of 16 positions per instruction and head (vpdpbusd).
#include "attention_avx512.hpp"
#include "attention_isa.hpp"
#include "attention_simd.hpp"

namespace memwall::engine::detail {
namespace {

struct Avx512Vnni : Avx512 {
  static constexpr bool kInt8Dot = true;
  // K's quants biased by 128 to unsigned; the lanes start 128 times the query's quant sum below 0.
  static IReg dot_start(std::int32_t quant_sum) { return _mm512_set1_epi32(-128 * quant_sum); }
  static IReg dot_quads(const std::byte* p) { return _mm512_xor_si512(load_quads(p), _mm512_set1_epi8(-128)); }
  static IReg dot4(IReg acc, IReg k, std::int32_t four) { return _mm512_dpbusd_epi32(acc, k, _mm512_set1_epi32(four)); }
  static Reg to_float(IReg i) { return _mm512_cvtepi32_ps(i); }
};

}  // namespace

const AttentionKernels& attention_avx512vnni() {
  static constexpr AttentionKernels kernels = kernel_table<Avx512Vnni>("avx512vnni");
  return kernels;
}

}  // namespace memwall::engine::detail
