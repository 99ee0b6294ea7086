// NEON (Armv8.0): a Q8_0 cache's K is widened to floats.
#include "attention_isa.hpp"
#include "attention_neon.hpp"
#include "attention_simd.hpp"

namespace memwall::engine::detail {

const AttentionKernels& attention_neon() {
  static constexpr AttentionKernels kernels = kernel_table<Neon>("neon");
  return kernels;
}

}  // namespace memwall::engine::detail
