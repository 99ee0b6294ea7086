#pragma once
// Logits of the token that would follow a prompt: `memwall model eval`, and the tests' window on the
// forward pass.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "memwall/engine/engine.hpp"
#include "memwall/engine/model.hpp"

namespace memwall::engine {

struct EvalOptions {
  unsigned threads = 0;
  KvType kv_type = KvType::f16;
  std::int64_t chunk = 512;  // prompt tokens per forward pass
  std::optional<quant::KernelIsa> isa;
};

// n_vocab logits after the prompt has been fed in chunks of `chunk` tokens.
Result<std::vector<float>> next_token_logits(std::shared_ptr<const Model> model, std::span<const std::int32_t> tokens,
                                             const EvalOptions& options);

}  // namespace memwall::engine
