// AVX-512 with VNNI: vpdpbusd multiplies 4 unsigned weight bytes by 4 signed activation bytes and
// adds them into each 32-bit lane in one instruction.
#include "avx512_kernels.hpp"

namespace memwall::quant::kernels {
namespace {

struct VnniDot {
  static __m512i dot4(__m512i acc, __m512i w_u8, __m512i a_s8) { return _mm512_dpbusd_epi32(acc, w_u8, a_s8); }
};

constexpr TypeKernel kTypes[] = {
    {TensorType::F32, matmul_plain<TensorType::F32>},
    {TensorType::F16, matmul_plain<TensorType::F16>},
    {TensorType::BF16, matmul_plain<TensorType::BF16>},
    {TensorType::Q8_0, matmul_q32<VnniDot, TensorType::Q8_0>},
    {TensorType::Q4_0, matmul_q32<VnniDot, TensorType::Q4_0>},
};

}  // namespace

std::span<const TypeKernel> plain_avx512vnni() { return kTypes; }

}  // namespace memwall::quant::kernels
