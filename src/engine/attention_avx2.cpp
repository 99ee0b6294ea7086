// AVX2 without AVX-VNNI: a Q8_0 cache's K is widened to floats.
#include "attention_avx2.hpp"
#include "attention_isa.hpp"
#include "attention_simd.hpp"

namespace memwall::engine::detail {

const AttentionKernels& attention_avx2() {
  static constexpr AttentionKernels kernels{"avx2", GroupAttention<Avx2>::attend<std::uint16_t>,
                                            GroupAttention<Avx2>::attend<float>,
                                            GroupAttention<Avx2>::attend<std::byte>, silu_mul<Avx2>,
                                            to_f16<Avx2>};
  return kernels;
}

}  // namespace memwall::engine::detail
