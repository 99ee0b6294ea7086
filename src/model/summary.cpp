#include "memwall/model/summary.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "memwall/model/gguf_io.hpp"

namespace memwall::model {
namespace {

// A value short enough for one line: arrays by element type and count.
std::string display(const gguf::Value& v) {
  if (const gguf::Array* a = v.as_array()) {
    return fmt::format("[{} x {}]", gguf::value_type_name(a->element_type), a->items.size());
  }
  if (const std::string* s = v.as_string()) return s->size() > 80 ? s->substr(0, 77) + "..." : *s;
  if (const auto b = v.as_bool(); b && v.type() == gguf::ValueType::boolean) return *b ? "true" : "false";
  if (const auto i = v.as_int()) return std::to_string(*i);
  if (const auto u = v.as_uint()) return std::to_string(*u);
  if (const auto x = v.as_number()) return fmt::format("{:g}", *x);
  return "?";
}

std::vector<TypeTotals> totals_by_type(const std::vector<TensorRow>& rows) {
  std::vector<TypeTotals> totals;
  for (const TensorRow& r : rows) {
    auto it = std::find_if(totals.begin(), totals.end(), [&](const TypeTotals& t) { return t.type == r.type; });
    if (it == totals.end()) it = totals.insert(totals.end(), TypeTotals{r.type});
    std::uint64_t elements = 1;
    for (std::uint64_t d : r.shape) elements *= d;
    ++it->tensors;
    it->elements += elements;
    it->bytes += r.bytes;
  }
  std::sort(totals.begin(), totals.end(), [](const TypeTotals& a, const TypeTotals& b) { return a.bytes > b.bytes; });
  return totals;
}

}  // namespace

std::vector<PlannedTensor> file_tensors(const gguf::GgufFile& file) {
  std::vector<PlannedTensor> tensors;
  for (const gguf::TensorInfo& t : file.tensors()) tensors.push_back(describe_tensor(t.name, t.shape));
  return tensors;
}

std::vector<quant::TensorType> file_types(const gguf::GgufFile& file) {
  std::vector<quant::TensorType> types;
  for (const gguf::TensorInfo& t : file.tensors()) types.push_back(t.type);
  return types;
}

Result<ModelSummary> summarize_model(const gguf::GgufFile& file) {
  Result<ModelSpec> spec = spec_from_gguf(file);
  if (!spec.ok()) return spec.error();
  ModelSummary s;
  s.path = file.name();
  s.file_bytes = file.file_size();
  s.gguf_version = file.version();
  s.spec = std::move(spec).value();
  if (Result<std::uint64_t> ft = file.get_uint("general.file_type"); ft.ok()) {
    s.scheme = scheme_from_file_type(static_cast<std::uint32_t>(*ft));
  }
  const std::vector<PlannedTensor> tensors = file_tensors(file);
  const std::vector<quant::TensorType> types = file_types(file);
  s.params = count_params(s.spec, tensors);
  s.weights = weight_bytes(s.spec, tensors, types);
  s.bits_per_weight = s.params.total ? 8.0 * static_cast<double>(s.weights.total) / static_cast<double>(s.params.total) : 0;
  s.kv_bytes_per_token_f16 = kv_bytes_per_token(s.spec, quant::TensorType::F16);
  s.kv_bytes_per_token_q8_0 = kv_bytes_per_token(s.spec, quant::TensorType::Q8_0);
  for (const gguf::TensorInfo& t : file.tensors()) s.tensors.push_back({t.name, t.type, t.shape, t.n_bytes});
  s.by_type = totals_by_type(s.tensors);
  for (const gguf::KeyValue& kv : file.metadata()) s.metadata.emplace_back(kv.key, display(kv.value));
  return s;
}

nlohmann::json summary_to_json(const ModelSummary& s) {
  using nlohmann::json;
  json by_type = json::array();
  for (const TypeTotals& t : s.by_type) {
    by_type.push_back({{"type", quant::type_info(t.type).name}, {"tensors", t.tensors},
                       {"elements", t.elements}, {"bytes", t.bytes}});
  }
  json tensors = json::array();
  for (const TensorRow& t : s.tensors) {
    tensors.push_back({{"name", t.name}, {"type", quant::type_info(t.type).name},
                       {"shape", t.shape}, {"bytes", t.bytes}});
  }
  json metadata = json::object();
  for (const auto& [key, value] : s.metadata) metadata[key] = value;
  const ModelSpec& m = s.spec;
  return {
      {"schema", "memwall.model-info"}, {"schema_version", 1},
      {"path", s.path}, {"file_bytes", s.file_bytes}, {"gguf_version", s.gguf_version},
      {"architecture", arch_name(m.arch)}, {"name", m.display_name},
      {"scheme", s.scheme ? json(scheme_info(*s.scheme).name) : json(nullptr)},
      {"shape", {{"n_layers", m.n_layers}, {"n_embd", m.n_embd}, {"n_ff", m.n_ff},
                 {"n_head", m.n_head}, {"n_head_kv", m.n_head_kv}, {"head_dim", m.head_dim},
                 {"n_vocab", m.n_vocab}, {"tied_embeddings", m.tied_embeddings},
                 {"context_length", m.context_length}, {"n_expert", m.n_expert},
                 {"n_expert_used", m.n_expert_used}, {"n_ff_expert", m.n_ff_expert}}},
      {"params", {{"total", s.params.total}, {"active", s.params.active},
                  {"active_excluding_input_embedding", s.params.active_excluding_input_embedding()},
                  {"token_embedding", s.params.token_embedding}, {"output", s.params.output}}},
      {"weight_bytes", s.weights.total}, {"bytes_per_token", s.weights.per_token},
      {"bits_per_weight", s.bits_per_weight},
      {"kv_bytes_per_token", {{"f16", s.kv_bytes_per_token_f16}, {"q8_0", s.kv_bytes_per_token_q8_0}}},
      {"by_type", by_type}, {"tensors", tensors}, {"metadata", metadata},
  };
}

}  // namespace memwall::model
