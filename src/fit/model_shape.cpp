#include "memwall/fit/model_shape.hpp"

#include <cmath>

#include "memwall/gguf/reader.hpp"
#include "memwall/model/gguf_io.hpp"
#include "memwall/model/params.hpp"
#include "memwall/model/summary.hpp"
#include "memwall/model/tensors.hpp"

namespace memwall::fit {
namespace {

bool is_routed_expert(const model::ModelSpec& spec, const model::PlannedTensor& t) {
  return spec.n_expert > 0 && t.is_expert();
}

// Fills the byte and parameter figures from the tensors and their types, reusing model::'s
// counters on the shared and the expert tensors separately.
void fill_sizes(ModelShape& shape, std::span<const model::PlannedTensor> tensors,
                std::span<const quant::TensorType> types) {
  std::vector<model::PlannedTensor> shared, experts;
  std::vector<quant::TensorType> shared_types, expert_types;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const bool expert = is_routed_expert(shape.spec, tensors[i]);
    (expert ? experts : shared).push_back(tensors[i]);
    (expert ? expert_types : shared_types).push_back(types[i]);
  }
  const model::WeightBytes shared_bytes = model::weight_bytes(shape.spec, shared, shared_types);
  const model::WeightBytes expert_bytes = model::weight_bytes(shape.spec, experts, expert_types);
  shape.weight_bytes = shared_bytes.total + expert_bytes.total;
  shape.shared_bytes_per_step = shared_bytes.per_token;
  shape.expert_bytes = static_cast<double>(expert_bytes.total);

  const model::ParamCounts params = model::count_params(shape.spec, tensors);
  shape.params_total = params.total;
  shape.params_active = params.active;
  // An untied input embedding is only looked up; a tied one is multiplied as the output matrix.
  shape.matmul_params = static_cast<double>(shape.spec.tied_embeddings ? params.active
                                                                       : params.active_excluding_input_embedding());
  shape.output_params = static_cast<double>(shape.spec.n_vocab) * shape.spec.n_embd;
  shape.quantized = false;
  for (quant::TensorType t : types) shape.quantized |= quant::type_info(t).block_size > 1;

  std::vector<model::PlannedTensor> superblock;
  std::vector<quant::TensorType> superblock_types;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (quant::type_info(types[i]).block_size != 256) continue;
    superblock.push_back(tensors[i]);
    superblock_types.push_back(types[i]);
  }
  const std::uint64_t superblock_bytes = model::weight_bytes(shape.spec, superblock, superblock_types).total;
  shape.superblock_share = shape.weight_bytes > 0 ? static_cast<double>(superblock_bytes) / shape.weight_bytes : 0;

  std::vector<model::PlannedTensor> layer, layer_other;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].layer < 0) continue;
    layer.push_back(tensors[i]);
    const quant::TensorType t = types[i];
    if (quant::type_info(t).block_size > 1 && t != quant::TensorType::Q8_0 && t != quant::TensorType::Q4_0) {
      layer_other.push_back(tensors[i]);
    }
  }
  const auto layer_params = static_cast<double>(model::count_params(shape.spec, layer).active);
  shape.other_quant_layer_share =
      layer_params > 0 ? static_cast<double>(model::count_params(shape.spec, layer_other).active) / layer_params : 0;
}

}  // namespace

double ModelShape::expected_experts(double tokens) const {
  if (spec.n_expert == 0) return 0;
  const double e = spec.n_expert;
  const double k = spec.n_expert_used;
  return e * (1.0 - std::pow(1.0 - k / e, std::max(tokens, 1.0)));
}

double ModelShape::weight_bytes_per_step(double tokens) const {
  if (spec.n_expert == 0) return shared_bytes_per_step;
  return shared_bytes_per_step + expert_bytes * expected_experts(tokens) / spec.n_expert;
}

double ModelShape::kv_bytes_per_token(quant::TensorType kv_type) const {
  return model::kv_bytes_per_token(spec, kv_type);
}

double ModelShape::kv_bytes(quant::TensorType kv_type, double context) const {
  return model::kv_cache_bytes(spec, kv_type, context);
}

double ModelShape::attention_flops(double context) const {
  return 4.0 * spec.q_dim() * model::kv_layer_positions(spec, context);
}

double ModelShape::flops_per_token(double context) const { return 2.0 * matmul_params + attention_flops(context); }

ModelShape shape_from_preset(const model::ModelSpec& spec, model::Scheme scheme) {
  ModelShape shape;
  shape.spec = spec;
  shape.scheme = scheme;
  shape.source = "preset";
  shape.label = spec.name + " " + std::string(model::scheme_info(scheme).name);
  const std::vector<model::PlannedTensor> tensors = model::plan_tensors(spec);
  const std::vector<quant::TensorType> types = model::assign_types(spec, tensors, scheme);
  fill_sizes(shape, tensors, types);
  return shape;
}

namespace {

Result<ModelShape> read_gguf(const std::filesystem::path& path, std::optional<model::Scheme> requantize) {
  Result<gguf::GgufFile> file = gguf::GgufFile::open(path);
  if (!file.ok()) return file.error();
  Result<model::ModelSpec> spec = model::spec_from_gguf(*file);
  if (!spec.ok()) return spec.error();
  ModelShape shape;
  shape.spec = std::move(spec).value();
  shape.source = path.string();
  if (Result<std::uint64_t> ft = file->get_uint("general.file_type"); ft.ok()) {
    shape.scheme = model::scheme_from_file_type(static_cast<std::uint32_t>(*ft));
  }
  shape.label = path.filename().string();
  const std::vector<model::PlannedTensor> tensors = model::file_tensors(*file);
  std::vector<quant::TensorType> types = model::file_types(*file);
  if (requantize) {
    for (std::size_t i = 0; i < types.size(); ++i) {
      if (quant::type_info(types[i]).block_size > 1) {
        return make_error("{}: already quantized (tensor {} is {}): only F32, F16 and BF16 files can be requantized",
                          path.string(), tensors[i].name, quant::type_info(types[i]).name);
      }
    }
    // As the engine's loader does: the scheme's type for every tensor it quantizes, the rest as stored.
    const std::vector<quant::TensorType> policy = model::assign_types(shape.spec, tensors, *requantize);
    for (std::size_t i = 0; i < types.size(); ++i) {
      if (model::is_quantizable(tensors[i])) types[i] = policy[i];
    }
    shape.scheme = requantize;
    shape.label += " as " + std::string(model::scheme_info(*requantize).name);
  }
  fill_sizes(shape, tensors, types);
  return shape;
}

}  // namespace

Result<ModelShape> shape_from_gguf(const std::filesystem::path& path) { return read_gguf(path, std::nullopt); }

Result<ModelShape> shape_from_gguf(const std::filesystem::path& path, model::Scheme scheme) {
  return read_gguf(path, scheme);
}

}  // namespace memwall::fit
