// NEON with the Armv8.2 dot product: a Q8_0 cache's K against the query's quants in int8 dot
// products, 4 dimensions of 4 positions per instruction and head (sdot: both signed, so K's quants
// are read as they are and the lanes start at 0).
#include "attention_isa.hpp"
#include "attention_neon.hpp"
#include "attention_simd.hpp"

namespace memwall::engine::detail {
namespace {

struct NeonDotprod : Neon {
  static constexpr bool kInt8Dot = true;
  static IReg dot_start(std::int32_t /*quant_sum*/) { return vdupq_n_s32(0); }
  static IReg dot_quads(const std::byte* p) { return load_quads(p); }
  static IReg dot4(IReg acc, IReg k, std::int32_t four) {
    return vdotq_s32(acc, vreinterpretq_s8_s32(k), vreinterpretq_s8_s32(vdupq_n_s32(four)));
  }
  static Reg to_float(IReg i) { return vcvtq_f32_s32(i); }
};

}  // namespace

const AttentionKernels& attention_neon_dotprod() {
  static constexpr AttentionKernels kernels = kernel_table<NeonDotprod>("neon-dotprod");
  return kernels;
}

}  // namespace memwall::engine::detail
