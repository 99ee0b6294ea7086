#pragma once
// Tensor element types as GGUF files number them (ggml's type ids), with their block layouts.
// The sizes are facts of the format: a tensor memwall writes means the same bytes in llama.cpp.
#include <cstdint>
#include <optional>
#include <string_view>

namespace memwall::quant {

enum class TensorType : std::uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  NVFP4 = 40,
  Q1_0 = 41,
  Q2_0 = 42,
};

struct TypeInfo {
  TensorType type;
  std::string_view name;         // as llama.cpp prints it: "Q4_K", "BF16"
  std::uint32_t block_size;      // elements per block (1 for plain types)
  std::uint32_t bytes_per_block;
  bool supported;                // memwall quantizes, dequantizes and computes with it
};

// nullptr for an id no GGUF type has.
const TypeInfo* find_type_info(std::uint32_t id);
const TypeInfo& type_info(TensorType type);
// Case-insensitive: "q4_k" and "Q4_K" both work.
std::optional<TensorType> type_from_name(std::string_view name);

// Bytes of `n_elements` consecutive elements; n_elements must be a multiple of the block size.
std::uint64_t bytes_for(TensorType type, std::uint64_t n_elements);
// Storage bits per element, including the block scales.
double bits_per_weight(TensorType type);

}  // namespace memwall::quant
