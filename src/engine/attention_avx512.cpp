// AVX-512 without VNNI: a Q8_0 cache's K is widened to floats.
#include "attention_avx512.hpp"
#include "attention_isa.hpp"
#include "attention_simd.hpp"

namespace memwall::engine::detail {

const AttentionKernels& attention_avx512() {
  static constexpr AttentionKernels kernels{"avx512bw", GroupAttention<Avx512>::attend<std::uint16_t>,
                                            GroupAttention<Avx512>::attend<float>,
                                            GroupAttention<Avx512>::attend<std::byte>, silu_mul<Avx512>,
                                            to_f16<Avx512>};
  return kernels;
}

}  // namespace memwall::engine::detail
