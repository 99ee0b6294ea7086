#include "memwall/fit/memory.hpp"

#include <algorithm>
#include <cmath>

#include "memwall/util/units.hpp"

namespace memwall::fit {
namespace {

// Activations of one micro-batch in f32: the logits (n_vocab), the FFN's two hidden vectors
// (gate and up, of the widest FFN a token passes through) and a handful of n_embd-wide vectors
// (residual, norm, q, k, v, attention output).
std::uint64_t compute_buffer_bytes(const model::ModelSpec& s, std::int64_t batch_tokens) {
  const double ffn = std::max<double>(s.n_ff, static_cast<double>(s.n_ff_expert) * s.n_expert_used);
  const double floats_per_token = s.n_vocab + 2.0 * ffn + 6.0 * s.n_embd;
  return static_cast<std::uint64_t>(static_cast<double>(batch_tokens) * floats_per_token * 4.0);
}

}  // namespace

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::fits: return "fits";
    case Verdict::tight: return "tight";
    case Verdict::does_not_fit: return "does not fit";
  }
  return "?";
}

MemoryEstimate estimate_memory(const Hardware& hw, const ModelShape& shape, std::int64_t context,
                               std::int64_t users, quant::TensorType kv_type) {
  MemoryEstimate m;
  m.weights = shape.weight_bytes;
  m.kv_cache = static_cast<std::uint64_t>(shape.kv_bytes(kv_type, static_cast<double>(context)) *
                                          static_cast<double>(users));
  m.compute_buffers = compute_buffer_bytes(shape.spec, std::min<std::int64_t>(kBatchTokens, std::max<std::int64_t>(context * users, 1)));
  m.runtime_overhead = static_cast<std::uint64_t>(runtime_overhead_gib(hw.device_class) * static_cast<double>(kGiB));
  m.needed = m.weights + m.kv_cache + m.compute_buffers + m.runtime_overhead;
  m.usable = hw.memory_bytes > hw.os_reserve_bytes ? hw.memory_bytes - hw.os_reserve_bytes : 0;
  const double share = m.usable ? static_cast<double>(m.needed) / static_cast<double>(m.usable) : 2.0;
  m.verdict = share <= kTightShare ? Verdict::fits : share <= 1.0 ? Verdict::tight : Verdict::does_not_fit;
  return m;
}

std::int64_t max_context(const Hardware& hw, const ModelShape& shape, std::int64_t users, quant::TensorType kv_type) {
  auto fits = [&](std::int64_t c) { return estimate_memory(hw, shape, c, users, kv_type).verdict != Verdict::does_not_fit; };
  const auto limit = static_cast<std::int64_t>(std::max<std::uint64_t>(shape.spec.context_length, 1));
  if (!fits(1)) return 0;
  if (fits(limit)) return limit;
  std::int64_t lo = 1, hi = limit;  // fits(lo), !fits(hi)
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return lo;
}

std::int64_t max_users(const Hardware& hw, const ModelShape& shape, std::int64_t context, quant::TensorType kv_type) {
  constexpr std::int64_t kCap = 4096;
  auto fits = [&](std::int64_t u) { return estimate_memory(hw, shape, context, u, kv_type).verdict != Verdict::does_not_fit; };
  if (!fits(1)) return 0;
  if (fits(kCap)) return kCap;
  std::int64_t lo = 1, hi = kCap;
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return lo;
}

}  // namespace memwall::fit
