#include "memwall/model/params.hpp"

#include <algorithm>

namespace memwall::model {

ParamCounts count_params(const ModelSpec& spec, std::span<const PlannedTensor> tensors) {
  ParamCounts c;
  for (const PlannedTensor& t : tensors) {
    const std::uint64_t n = t.n_elements();
    c.total += n;
    if (t.is_expert() && spec.n_expert > 0) {
      c.active += n / spec.n_expert * spec.n_expert_used;
    } else {
      c.active += n;
    }
    if (t.role == Role::token_embd) c.token_embedding += n;
    if (t.role == Role::output) c.output += n;
  }
  return c;
}

WeightBytes weight_bytes(const ModelSpec& spec, std::span<const PlannedTensor> tensors,
                         std::span<const quant::TensorType> types) {
  WeightBytes w;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const PlannedTensor& t = tensors[i];
    const auto bytes = static_cast<double>(quant::bytes_for(types[i], t.n_elements()));
    w.total += quant::bytes_for(types[i], t.n_elements());
    if (t.role == Role::token_embd && !spec.tied_embeddings) {
      w.per_token += bytes / static_cast<double>(t.shape.back());  // one row is looked up
    } else if (t.is_expert() && spec.n_expert > 0) {
      w.per_token += bytes * spec.n_expert_used / spec.n_expert;
    } else {
      w.per_token += bytes;  // a tied embedding is read whole as the output matrix
    }
  }
  return w;
}

double kv_bytes_per_token(const ModelSpec& spec, quant::TensorType kv_type) {
  const double bytes_per_element = quant::bits_per_weight(kv_type) / 8.0;
  return 2.0 * spec.n_layers * spec.kv_dim() * bytes_per_element;
}

bool layer_is_windowed(const ModelSpec& spec, std::uint32_t layer) {
  if (spec.sliding_window == 0) return false;
  switch (spec.arch) {
    case Arch::gemma3: return layer % 6 < 5;
    case Arch::gpt_oss: return layer % 2 == 0;
    default: return true;
  }
}

// Counted from the pattern rather than layer by layer: the speed model calls this per step.
std::uint32_t windowed_layer_count(const ModelSpec& spec) {
  const std::uint32_t n = spec.n_layers;
  if (spec.sliding_window == 0) return 0;
  switch (spec.arch) {
    case Arch::gemma3: return n / 6 * 5 + std::min(n % 6, 5u);
    case Arch::gpt_oss: return (n + 1) / 2;
    default: return n;
  }
}

double kv_layer_positions(const ModelSpec& spec, double context) {
  const double windowed = windowed_layer_count(spec);
  const double window = std::min(context, static_cast<double>(spec.sliding_window));
  return (spec.n_layers - windowed) * context + windowed * window;
}

double kv_cache_bytes(const ModelSpec& spec, quant::TensorType kv_type, double context) {
  if (spec.n_layers == 0) return 0;
  return kv_bytes_per_token(spec, kv_type) / spec.n_layers * kv_layer_positions(spec, context);
}

}  // namespace memwall::model
