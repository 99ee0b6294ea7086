#include "model_printer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "memwall/model/params.hpp"
#include "memwall/model/tensors.hpp"
#include "memwall/util/text_table.hpp"
#include "memwall/util/units.hpp"

namespace memwall::cli {
namespace {

std::string billions(std::uint64_t n) {
  const double x = static_cast<double>(n);
  return x >= 1e8 ? fmt::format("{:.3f} B", x * 1e-9) : fmt::format("{:.3f} M", x * 1e-6);
}

std::string shape_line(const model::ModelSpec& m) {
  std::string line = fmt::format("{} layers, n_embd {}, {} heads ({} KV) of {}, vocab {}, context {}",
                                 m.n_layers, m.n_embd, m.n_head, m.n_head_kv, m.head_dim, m.n_vocab,
                                 m.context_length);
  if (m.n_ff) line += fmt::format(", n_ff {}", m.n_ff);
  if (m.is_moe()) line += fmt::format(", {} experts ({} used) of width {}", m.n_expert, m.n_expert_used, m.n_ff_expert);
  if (m.tied_embeddings) line += ", tied embeddings";
  return line;
}

}  // namespace

std::string format_model_summary(const model::ModelSummary& s) {
  const model::ModelSpec& m = s.spec;
  std::string out = fmt::format("{}: {} ({}), GGUF v{}, {}{}\n", s.path, model::arch_name(m.arch),
                                m.display_name, s.gguf_version, format_bytes(s.file_bytes),
                                s.scheme ? ", scheme " + std::string(model::scheme_info(*s.scheme).name) : "");
  out += fmt::format("shape      {}\n", shape_line(m));
  out += fmt::format("params     {} total, {} active ({} without the input embedding)\n",
                     billions(s.params.total), billions(s.params.active),
                     billions(s.params.active_excluding_input_embedding()));
  out += fmt::format("weights    {}, {:.4f} bits per weight; one decoded token reads {:.3f} GB of them\n",
                     format_bytes(s.weights.total), s.bits_per_weight, s.weights.per_token * 1e-9);
  out += fmt::format("KV cache   {} per token at F16, {} at Q8_0\n",
                     format_bytes(static_cast<std::uint64_t>(s.kv_bytes_per_token_f16)),
                     format_bytes(static_cast<std::uint64_t>(s.kv_bytes_per_token_q8_0)));
  out += "\nTensors by type\n";
  TextTable types({"type", "tensors", "params", "bytes", "share"});
  for (const model::TypeTotals& t : s.by_type) {
    types.add_row({std::string(quant::type_info(t.type).name), std::to_string(t.tensors), billions(t.elements),
                   format_bytes(t.bytes),
                   fmt::format("{:.1f}%", 100.0 * static_cast<double>(t.bytes) / static_cast<double>(s.weights.total))});
  }
  out += types.render(2);
  out += fmt::format("\nMetadata ({} keys)\n", s.metadata.size());
  TextTable meta({"key", "value"});
  for (const auto& [key, value] : s.metadata) meta.add_row({key, value});
  return out + meta.render(2);
}

std::string format_presets(const std::vector<model::Preset>& presets) {
  TextTable table({"preset", "architecture", "params", "active", "layers", "n_embd", "experts", "engine"});
  for (const model::Preset& p : presets) {
    const model::ModelSpec& m = p.spec;
    const std::vector<model::PlannedTensor> tensors = model::plan_tensors(m);
    const model::ParamCounts c = model::count_params(m, tensors);
    table.add_row({m.name, std::string(model::arch_name(m.arch)), billions(c.total), billions(c.active),
                   std::to_string(m.n_layers), std::to_string(m.n_embd),
                   m.is_moe() ? fmt::format("{}/{}", m.n_expert_used, m.n_expert) : "-",
                   m.engine_supported() ? "yes" : "fit only"});
  }
  return table.render();
}

std::string format_top_tokens(const std::vector<float>& logits, std::size_t k) {
  std::vector<std::size_t> order(logits.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  k = std::min(k, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](std::size_t a, std::size_t b) { return logits[a] > logits[b]; });
  TextTable table({"rank", "token", "logit"});
  for (std::size_t r = 0; r < k; ++r) {
    table.add_row({std::to_string(r + 1), std::to_string(order[r]), fmt::format("{:.6f}", logits[order[r]])});
  }
  return table.render();
}

}  // namespace memwall::cli
