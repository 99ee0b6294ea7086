#include "memwall/quant/types.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cctype>

namespace memwall::quant {
namespace {

using T = TensorType;

// Block sizes and bytes per block as ggml-common.h defines them (../shared/data/quant_types.csv).
constexpr std::array<TypeInfo, 35> kTypes{{
    {T::F32, "F32", 1, 4, true},         {T::F16, "F16", 1, 2, true},
    {T::Q4_0, "Q4_0", 32, 18, true},     {T::Q4_1, "Q4_1", 32, 20, true},
    {T::Q5_0, "Q5_0", 32, 22, true},     {T::Q5_1, "Q5_1", 32, 24, true},
    {T::Q8_0, "Q8_0", 32, 34, true},     {T::Q8_1, "Q8_1", 32, 36, true},
    {T::Q2_K, "Q2_K", 256, 84, true},    {T::Q3_K, "Q3_K", 256, 110, true},
    {T::Q4_K, "Q4_K", 256, 144, true},   {T::Q5_K, "Q5_K", 256, 176, true},
    {T::Q6_K, "Q6_K", 256, 210, true},   {T::Q8_K, "Q8_K", 256, 292, true},
    {T::IQ2_XXS, "IQ2_XXS", 256, 66, false}, {T::IQ2_XS, "IQ2_XS", 256, 74, false},
    {T::IQ3_XXS, "IQ3_XXS", 256, 98, false}, {T::IQ1_S, "IQ1_S", 256, 50, false},
    {T::IQ4_NL, "IQ4_NL", 32, 18, false},    {T::IQ3_S, "IQ3_S", 256, 110, false},
    {T::IQ2_S, "IQ2_S", 256, 82, false},     {T::IQ4_XS, "IQ4_XS", 256, 136, false},
    {T::I8, "I8", 1, 1, false},          {T::I16, "I16", 1, 2, false},
    {T::I32, "I32", 1, 4, false},        {T::I64, "I64", 1, 8, false},
    {T::F64, "F64", 1, 8, false},        {T::IQ1_M, "IQ1_M", 256, 56, false},
    {T::BF16, "BF16", 1, 2, true},       {T::TQ1_0, "TQ1_0", 256, 54, false},
    {T::TQ2_0, "TQ2_0", 256, 66, false}, {T::MXFP4, "MXFP4", 32, 17, false},
    {T::NVFP4, "NVFP4", 64, 36, false},  {T::Q1_0, "Q1_0", 128, 18, false},
    {T::Q2_0, "Q2_0", 64, 18, false},
}};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

// kTypes' entries by id (nullptr where no type has the id): bytes_for is asked for every kernel
// call (PackedMatrix::group_bytes), where a search of kTypes showed up in decode profiles.
constexpr std::uint32_t kIds = 43;
constexpr std::array<const TypeInfo*, kIds> kById = [] {
  std::array<const TypeInfo*, kIds> by_id{};
  for (const TypeInfo& info : kTypes) by_id[static_cast<std::uint32_t>(info.type)] = &info;
  return by_id;
}();

}  // namespace

const TypeInfo* find_type_info(std::uint32_t id) { return id < kIds ? kById[id] : nullptr; }

const TypeInfo& type_info(TensorType type) {
  const TypeInfo* info = find_type_info(static_cast<std::uint32_t>(type));
  assert(info != nullptr);
  return *info;
}

std::optional<TensorType> type_from_name(std::string_view name) {
  for (const TypeInfo& info : kTypes) {
    if (iequals(info.name, name)) return info.type;
  }
  return std::nullopt;
}

std::uint64_t bytes_for(TensorType type, std::uint64_t n_elements) {
  const TypeInfo& info = type_info(type);
  assert(n_elements % info.block_size == 0);
  return n_elements / info.block_size * info.bytes_per_block;
}

double bits_per_weight(TensorType type) {
  const TypeInfo& info = type_info(type);
  return 8.0 * info.bytes_per_block / info.block_size;
}

}  // namespace memwall::quant
