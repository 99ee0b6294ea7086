#pragma once
// The scalar row conversions behind reference_fns(), one pair per type. n is the number of
// weights, a multiple of the type's block size; the quantized side may lie at any byte offset.
#include <cstdint>

namespace memwall::quant::ref {

// reference_plain.cpp
void quantize_f32(const float* x, void* y, std::int64_t n);
void dequantize_f32(const void* x, float* y, std::int64_t n);
void quantize_f16(const float* x, void* y, std::int64_t n);
void dequantize_f16(const void* x, float* y, std::int64_t n);
void quantize_bf16(const float* x, void* y, std::int64_t n);
void dequantize_bf16(const void* x, float* y, std::int64_t n);

// reference_legacy.cpp
void quantize_q4_0(const float* x, void* y, std::int64_t n);
void dequantize_q4_0(const void* x, float* y, std::int64_t n);
void quantize_q4_1(const float* x, void* y, std::int64_t n);
void dequantize_q4_1(const void* x, float* y, std::int64_t n);
void quantize_q5_0(const float* x, void* y, std::int64_t n);
void dequantize_q5_0(const void* x, float* y, std::int64_t n);
void quantize_q5_1(const float* x, void* y, std::int64_t n);
void dequantize_q5_1(const void* x, float* y, std::int64_t n);
void quantize_q8_0(const float* x, void* y, std::int64_t n);
void dequantize_q8_0(const void* x, float* y, std::int64_t n);
void quantize_q8_1(const float* x, void* y, std::int64_t n);
void dequantize_q8_1(const void* x, float* y, std::int64_t n);

// kquant_dequantize.cpp (dequantize) and kquant_quantize_*.cpp (quantize)
void quantize_q2_k(const float* x, void* y, std::int64_t n);
void dequantize_q2_k(const void* x, float* y, std::int64_t n);
void quantize_q3_k(const float* x, void* y, std::int64_t n);
void dequantize_q3_k(const void* x, float* y, std::int64_t n);
void quantize_q4_k(const float* x, void* y, std::int64_t n);
void dequantize_q4_k(const void* x, float* y, std::int64_t n);
void quantize_q5_k(const float* x, void* y, std::int64_t n);
void dequantize_q5_k(const void* x, float* y, std::int64_t n);
void quantize_q6_k(const float* x, void* y, std::int64_t n);
void dequantize_q6_k(const void* x, float* y, std::int64_t n);
void quantize_q8_k(const float* x, void* y, std::int64_t n);
void dequantize_q8_k(const void* x, float* y, std::int64_t n);

}  // namespace memwall::quant::ref
