#include "memwall/model/presets.hpp"

#include <algorithm>

#include "memwall/profiles/embedded.hpp"

namespace memwall::model {
namespace {

using nlohmann::json;

template <typename T>
void optional_field(const json& j, const char* key, T& out) {
  if (j.contains(key)) j.at(key).get_to(out);
}

RopeScaling rope_scaling_from_json(const json& j) {
  RopeScaling r;
  j.at("type").get_to(r.type);
  optional_field(j, "factor", r.factor);
  optional_field(j, "low_freq_factor", r.low_freq_factor);
  optional_field(j, "high_freq_factor", r.high_freq_factor);
  optional_field(j, "original_context_length", r.original_context_length);
  return r;
}

ModelSpec spec_from_json(const json& j) {
  ModelSpec s;
  j.at("name").get_to(s.name);
  j.at("display_name").get_to(s.display_name);
  const std::string arch = j.at("architecture");
  const std::optional<Arch> parsed = arch_from_name(arch);
  if (!parsed) throw json::other_error::create(501, "unknown architecture " + arch, &j);
  s.arch = *parsed;
  j.at("n_layers").get_to(s.n_layers);
  j.at("n_embd").get_to(s.n_embd);
  j.at("n_ff").get_to(s.n_ff);
  j.at("n_head").get_to(s.n_head);
  j.at("n_head_kv").get_to(s.n_head_kv);
  j.at("head_dim").get_to(s.head_dim);
  j.at("n_vocab").get_to(s.n_vocab);
  j.at("tied_embeddings").get_to(s.tied_embeddings);
  j.at("context_length").get_to(s.context_length);
  j.at("rope_base").get_to(s.rope_base);
  j.at("rms_norm_eps").get_to(s.rms_norm_eps);
  if (j.contains("rope_scaling")) s.rope_scaling = rope_scaling_from_json(j.at("rope_scaling"));
  optional_field(j, "attention_bias", s.attention_bias);
  optional_field(j, "qk_norm", s.qk_norm);
  optional_field(j, "sliding_window", s.sliding_window);
  optional_field(j, "n_expert", s.n_expert);
  optional_field(j, "n_expert_used", s.n_expert_used);
  optional_field(j, "n_ff_expert", s.n_ff_expert);
  return s;
}

PublishedCounts published_from_json(const json& j) {
  PublishedCounts p;
  if (j.contains("total_params_b")) p.total_params_b = j.at("total_params_b").get<double>();
  if (j.contains("active_params_b")) p.active_params_b = j.at("active_params_b").get<double>();
  optional_field(j, "active_counts_input_embedding", p.active_counts_input_embedding);
  j.at("source").get_to(p.source);
  return p;
}

}  // namespace

Result<Preset> preset_from_json(const json& j) {
  try {
    Preset p;
    p.spec = spec_from_json(j);
    optional_field(j, "hf_repo", p.hf_repo);
    if (j.contains("published")) p.published = published_from_json(j.at("published"));
    j.at("source").get_to(p.source);
    return p;
  } catch (const json::exception& e) {
    return make_error("preset: {}", e.what());
  }
}

Result<std::vector<Preset>> load_presets() {
  std::vector<Preset> presets;
  for (const profiles::EmbeddedFile& file : profiles::embedded_files()) {
    if (file.path.substr(0, 7) != "models/") continue;
    const json j = json::parse(file.content, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return make_error("profiles/{}: not valid JSON", file.path);
    Result<Preset> preset = preset_from_json(j);
    if (!preset.ok()) return make_error("profiles/{}: {}", file.path, preset.error().message);
    presets.push_back(std::move(preset).value());
  }
  std::sort(presets.begin(), presets.end(),
            [](const Preset& a, const Preset& b) { return a.spec.name < b.spec.name; });
  return presets;
}

Result<Preset> find_preset(std::string_view name) {
  if (name.substr(0, 7) == "preset:") name.remove_prefix(7);
  Result<std::vector<Preset>> presets = load_presets();
  if (!presets.ok()) return presets.error();
  std::string names;
  for (const Preset& p : *presets) {
    if (p.spec.name == name) return p;
    names += (names.empty() ? "" : ", ") + p.spec.name;
  }
  return make_error("unknown preset '{}' (presets: {})", name, names);
}

}  // namespace memwall::model
