// AVX2 without AVX-VNNI: a Q8_0 cache's K is widened to floats.
#include "attention_avx2.hpp"
#include "attention_isa.hpp"
#include "attention_simd.hpp"

namespace memwall::engine::detail {

const AttentionKernels& attention_avx2() {
  static constexpr AttentionKernels kernels = kernel_table<Avx2>("avx2");
  return kernels;
}

}  // namespace memwall::engine::detail
