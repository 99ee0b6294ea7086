#include "memwall/quant/reference.hpp"

#include <array>

#include "reference_rows.hpp"

namespace memwall::quant {
namespace {

using T = TensorType;

struct Entry {
  TensorType type;
  ReferenceFns fns;
};

constexpr std::array<Entry, 15> kReference{{
    {T::F32, {ref::quantize_f32, ref::dequantize_f32}},
    {T::F16, {ref::quantize_f16, ref::dequantize_f16}},
    {T::BF16, {ref::quantize_bf16, ref::dequantize_bf16}},
    {T::Q4_0, {ref::quantize_q4_0, ref::dequantize_q4_0}},
    {T::Q4_1, {ref::quantize_q4_1, ref::dequantize_q4_1}},
    {T::Q5_0, {ref::quantize_q5_0, ref::dequantize_q5_0}},
    {T::Q5_1, {ref::quantize_q5_1, ref::dequantize_q5_1}},
    {T::Q8_0, {ref::quantize_q8_0, ref::dequantize_q8_0}},
    {T::Q8_1, {ref::quantize_q8_1, ref::dequantize_q8_1}},
    {T::Q2_K, {ref::quantize_q2_k, ref::dequantize_q2_k}},
    {T::Q3_K, {ref::quantize_q3_k, ref::dequantize_q3_k}},
    {T::Q4_K, {ref::quantize_q4_k, ref::dequantize_q4_k}},
    {T::Q5_K, {ref::quantize_q5_k, ref::dequantize_q5_k}},
    {T::Q6_K, {ref::quantize_q6_k, ref::dequantize_q6_k}},
    {T::Q8_K, {ref::quantize_q8_k, ref::dequantize_q8_k}},
}};

}  // namespace

const ReferenceFns* reference_fns(TensorType type) {
  for (const Entry& entry : kReference) {
    if (entry.type == type) return &entry.fns;
  }
  return nullptr;
}

}  // namespace memwall::quant
