// AVX-512 without VNNI: a Q8_0 cache's K is widened to floats.
#include "attention_avx512.hpp"
#include "attention_isa.hpp"
#include "attention_simd.hpp"

namespace memwall::engine::detail {

const AttentionKernels& attention_avx512() {
  static constexpr AttentionKernels kernels = kernel_table<Avx512>("avx512bw");
  return kernels;
}

}  // namespace memwall::engine::detail
