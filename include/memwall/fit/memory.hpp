#pragma once
// Does it fit: weights + KV cache + compute buffers + runtime overhead against the device's memory
// less what the OS keeps.
#include <cstdint>
#include <string_view>

#include "memwall/fit/hardware.hpp"
#include "memwall/fit/model_shape.hpp"

namespace memwall::fit {

enum class Verdict { fits, tight, does_not_fit };
std::string_view verdict_name(Verdict v);  // "fits", "tight", "does not fit"

// Above this share of the usable memory a fit is "tight": one more browser tab may break it.
inline constexpr double kTightShare = 0.9;
// Tokens of one forward pass the compute buffers are sized for (llama.cpp's and memwall's default
// micro-batch).
inline constexpr std::int64_t kBatchTokens = 512;

struct MemoryEstimate {
  std::uint64_t weights = 0;
  std::uint64_t kv_cache = 0;          // 2 x layers x KV heads x head dim x bytes x context x users,
                                       // sliding-window layers at min(context, window)
  std::uint64_t compute_buffers = 0;   // activations and logits of one micro-batch
  std::uint64_t runtime_overhead = 0;
  std::uint64_t needed = 0;            // the four above
  std::uint64_t usable = 0;            // device memory less the OS reserve
  Verdict verdict = Verdict::does_not_fit;
};

MemoryEstimate estimate_memory(const Hardware& hw, const ModelShape& shape, std::int64_t context,
                               std::int64_t users, quant::TensorType kv_type);
// The largest context (up to the model's trained context) at which `users` sequences still fit;
// 0 when not even one token does.
std::int64_t max_context(const Hardware& hw, const ModelShape& shape, std::int64_t users,
                         quant::TensorType kv_type);
// The most sequences of `context` tokens that fit (capped at 4096); 0 when not even one does.
std::int64_t max_users(const Hardware& hw, const ModelShape& shape, std::int64_t context,
                       quant::TensorType kv_type);

}  // namespace memwall::fit
