#pragma once
// An independent float64 forward pass for tests: every weight dequantized by the reference
// dequantizers into doubles, plain loops, no batching, no kernels. It models the engine's storage
// formats where they round (the KV cache holds f16 or Q8_0 values), nothing else.
#include <cstdint>
#include <span>
#include <vector>

#include "memwall/gguf/reader.hpp"
#include "memwall/model/spec.hpp"
#include "memwall/util/result.hpp"

namespace memwall::testing {

enum class ReferenceKv { f16, q8_0, f32 };

struct ReferenceResult {
  std::vector<double> logits;                      // after the last token
  std::vector<std::vector<std::int32_t>> experts;  // per layer, the last token's experts (MoE)
  std::vector<std::vector<double>> router_logits;  // per layer, the last token's router logits
};

Result<ReferenceResult> reference_forward(const gguf::GgufFile& file, std::span<const std::int32_t> tokens,
                                          ReferenceKv kv = ReferenceKv::f32);

}  // namespace memwall::testing
