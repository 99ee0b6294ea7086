#include "memwall/model/params.hpp"

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

}  // namespace memwall::model
