#pragma once
// Scalar reference conversions between f32 and every supported tensor type. These define what the
// bytes mean; the SIMD kernels of later work are tested against them.
#include <cstdint>

#include "memwall/quant/types.hpp"

namespace memwall::quant {

struct ReferenceFns {
  // n: number of elements, a multiple of the type's block size.
  void (*quantize_row)(const float* x, void* y, std::int64_t n);
  void (*dequantize_row)(const void* x, float* y, std::int64_t n);
};

// nullptr when the type is not supported (type_info(type).supported == false).
const ReferenceFns* reference_fns(TensorType type);

}  // namespace memwall::quant
