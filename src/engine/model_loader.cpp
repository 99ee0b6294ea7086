// Loading a model for the engine: the list of tensors and their types comes from a GGUF file or a
// preset and scheme; their bytes from the file (converted when requantizing) or from the random
// generator. Everything is sized first, checked against available memory, then packed.
#include <algorithm>
#include <cstring>

#include "memwall/engine/model.hpp"
#include "memwall/gguf/reader.hpp"
#include "memwall/hw/memory.hpp"
#include "memwall/model/gguf_io.hpp"
#include "memwall/model/summary.hpp"
#include "memwall/model/synth.hpp"
#include "memwall/quant/convert.hpp"
#include "memwall/quant/reference.hpp"
#include "memwall/util/units.hpp"

namespace memwall::engine {
namespace {

using model::PlannedTensor;
using model::Role;
using quant::TensorType;

// GGUF-layout bytes of tensor i, in `scratch` when they have to be made.
using TensorBytes = std::function<Result<std::span<const std::byte>>(std::size_t i, std::vector<std::byte>& scratch)>;

struct Plan {
  model::ModelSpec spec;
  std::vector<PlannedTensor> tensors;
  std::vector<TensorType> types;
  TensorBytes bytes;
  bool embedding_in_file = false;  // the token embedding can be read from the mapped file
  // Tensor i's bytes are copied (packed, converted or stored): its source may let go of them.
  std::function<void(std::size_t i)> release = [](std::size_t) {};
};

bool is_matrix(const PlannedTensor& t) { return t.shape.size() >= 2 && t.role != Role::token_embd; }

std::size_t align64(std::size_t n) { return (n + 63) / 64 * 64; }

// Packed bytes of a tensor: one matrix, or one per expert for 3-D expert tensors.
std::size_t packed_size(const PlannedTensor& t, TensorType type) {
  const std::int64_t cols = static_cast<std::int64_t>(t.shape[0]);
  const std::int64_t rows = static_cast<std::int64_t>(t.shape[1]);
  const std::size_t experts = t.shape.size() == 3 ? t.shape[2] : 1;
  return experts * align64(quant::packed_bytes(type, rows, cols));
}

// The token embedding is read by rows in GGUF layout; the output matrix is packed. A tied model
// uses the embedding for both.
bool needs_packing(const PlannedTensor& t, const model::ModelSpec& spec) {
  return is_matrix(t) || (t.role == Role::token_embd && spec.tied_embeddings);
}

Status check_supported(const Plan& p) {
  if (!p.spec.engine_supported()) {
    return make_error("architecture {} is not run by the built-in engine (it runs llama, mistral, "
                      "mixtral, qwen2, qwen3 and qwen3moe)", model::arch_name(p.spec.arch));
  }
  for (std::size_t i = 0; i < p.tensors.size(); ++i) {
    const PlannedTensor& t = p.tensors[i];
    if (t.role == Role::other) return make_error("tensor {}: not part of a {} model", t.name, model::arch_name(p.spec.arch));
    if (needs_packing(t, p.spec) && !quant::packable(p.types[i])) {
      return make_error("tensor {}: type {} is not supported by the engine's kernels", t.name,
                        quant::type_info(p.types[i]).name);
    }
    if (!needs_packing(t, p.spec) && !quant::type_info(p.types[i]).supported) {
      return make_error("tensor {}: type {} cannot be read", t.name, quant::type_info(p.types[i]).name);
    }
  }
  return {};
}

std::vector<float> to_f32(TensorType type, std::span<const std::byte> bytes, std::uint64_t n) {
  std::vector<float> out(n);
  quant::reference_fns(type)->dequantize_row(bytes.data(), out.data(), static_cast<std::int64_t>(n));
  return out;
}

// Where each loaded tensor goes.
class Assembler {
 public:
  Assembler(Model& m, std::byte* arena) : m_(m), next_(arena) {}

  Status place(const PlannedTensor& t, TensorType type, std::span<const std::byte> bytes) {
    if (t.layer >= 0) return place_layer(m_.layers[static_cast<std::size_t>(t.layer)], t, type, bytes);
    switch (t.role) {
      case Role::output_norm: m_.output_norm = to_f32(type, bytes, t.n_elements()); return {};
      case Role::rope_freqs: m_.rope_factors = to_f32(type, bytes, t.n_elements()); return {};
      case Role::output: return pack(t, type, bytes, m_.output);
      case Role::token_embd:
        if (m_.spec.tied_embeddings) return pack(t, type, bytes, m_.output);
        return {};
      default: return make_error("tensor {}: unexpected", t.name);
    }
  }

 private:
  Status pack(const PlannedTensor& t, TensorType type, std::span<const std::byte> bytes, quant::PackedMatrix& out) {
    const auto cols = static_cast<std::int64_t>(t.shape[0]), rows = static_cast<std::int64_t>(t.shape[1]);
    const std::size_t size = quant::packed_bytes(type, rows, cols);
    Result<quant::PackedMatrix> packed = quant::pack_matrix(type, bytes, rows, cols, std::span(next_, size));
    if (!packed.ok()) return make_error("tensor {}: {}", t.name, packed.error().message);
    out = *packed;
    next_ += align64(size);
    return {};
  }

  Status pack_experts(const PlannedTensor& t, TensorType type, std::span<const std::byte> bytes,
                      std::vector<quant::PackedMatrix>& out) {
    const std::size_t per_expert = bytes.size() / t.shape[2];
    out.resize(t.shape[2]);
    const PlannedTensor one{t.name, {t.shape[0], t.shape[1]}, t.role, t.layer};
    for (std::size_t e = 0; e < t.shape[2]; ++e) {
      if (Status s = pack(one, type, bytes.subspan(e * per_expert, per_expert), out[e]); !s.ok()) return s;
    }
    return {};
  }

  Status place_layer(LayerWeights& l, const PlannedTensor& t, TensorType type, std::span<const std::byte> bytes) {
    const std::uint64_t n = t.n_elements();
    switch (t.role) {
      case Role::attn_norm: l.attn_norm = to_f32(type, bytes, n); return {};
      case Role::ffn_norm: l.ffn_norm = to_f32(type, bytes, n); return {};
      case Role::attn_q_norm: l.q_norm = to_f32(type, bytes, n); return {};
      case Role::attn_k_norm: l.k_norm = to_f32(type, bytes, n); return {};
      case Role::attn_q_bias: l.bq = to_f32(type, bytes, n); return {};
      case Role::attn_k_bias: l.bk = to_f32(type, bytes, n); return {};
      case Role::attn_v_bias: l.bv = to_f32(type, bytes, n); return {};
      case Role::attn_q: return pack(t, type, bytes, l.wq);
      case Role::attn_k: return pack(t, type, bytes, l.wk);
      case Role::attn_v: return pack(t, type, bytes, l.wv);
      case Role::attn_output: return pack(t, type, bytes, l.wo);
      case Role::ffn_gate: return pack(t, type, bytes, l.w_gate);
      case Role::ffn_up: return pack(t, type, bytes, l.w_up);
      case Role::ffn_down: return pack(t, type, bytes, l.w_down);
      case Role::ffn_gate_inp: return pack(t, type, bytes, l.router);
      case Role::ffn_gate_exps: return pack_experts(t, type, bytes, l.e_gate);
      case Role::ffn_up_exps: return pack_experts(t, type, bytes, l.e_up);
      case Role::ffn_down_exps: return pack_experts(t, type, bytes, l.e_down);
      default: return make_error("tensor {}: not used by the engine", t.name);
    }
  }

  Model& m_;
  std::byte* next_;
};

Status check_complete(const Model& m) {
  for (std::size_t i = 0; i < m.layers.size(); ++i) {
    const LayerWeights& l = m.layers[i];
    const bool attention = l.wq.data && l.wk.data && l.wv.data && l.wo.data && !l.attn_norm.empty();
    const bool ffn = m.spec.is_moe() ? (l.router.data && l.e_down.size() == m.spec.n_expert)
                                     : (l.w_gate.data && l.w_up.data && l.w_down.data);
    if (!attention || !ffn || l.ffn_norm.empty()) return make_error("layer {} is missing tensors", i);
    if (m.spec.qk_norm && (l.q_norm.empty() || l.k_norm.empty())) return make_error("layer {}: no q/k norm", i);
  }
  if (!m.output.data || m.output_norm.empty() || !m.embedding.rows) {
    return make_error("the output or the token embedding is missing");
  }
  return {};
}

Result<std::shared_ptr<const Model>> assemble(Plan plan, std::string source, std::optional<model::Scheme> scheme,
                                               std::shared_ptr<const void> file, const LoadOptions& options) {
  if (Status s = check_supported(plan); !s.ok()) return s.error();
  std::size_t arena_bytes = 0, embedding_bytes = 0;
  for (std::size_t i = 0; i < plan.tensors.size(); ++i) {
    if (needs_packing(plan.tensors[i], plan.spec)) arena_bytes += packed_size(plan.tensors[i], plan.types[i]);
    if (plan.tensors[i].role == Role::token_embd && !plan.embedding_in_file) {
      embedding_bytes = quant::bytes_for(plan.types[i], plan.tensors[i].n_elements());
    }
  }
  const std::uint64_t needed = arena_bytes + embedding_bytes + options.reserve_bytes;
  const std::uint64_t available = hw::available_memory_bytes();
  if (needed > available) {
    return make_error("{} needs {} ({} of weights, {} for KV cache and buffers) but only {} is "
                      "available", source, format_bytes(needed), format_bytes(arena_bytes + embedding_bytes),
                      format_bytes(options.reserve_bytes), format_bytes(available));
  }
  auto m = std::make_shared<Model>();
  m->spec = plan.spec;
  m->source = std::move(source);
  m->scheme = scheme;
  m->file = std::move(file);
  m->layers.resize(plan.spec.n_layers);
  m->weight_bytes = model::weight_bytes(plan.spec, plan.tensors, plan.types);
  Result<HugeBuffer> arena = HugeBuffer::allocate(std::max<std::size_t>(arena_bytes, 64));
  if (!arena.ok()) return arena.error();
  m->arena = std::move(arena).value();
  Assembler assembler(*m, static_cast<std::byte*>(m->arena.data()));
  std::vector<std::byte> scratch;
  for (std::size_t i = 0; i < plan.tensors.size(); ++i) {
    const PlannedTensor& t = plan.tensors[i];
    Result<std::span<const std::byte>> bytes = plan.bytes(i, scratch);
    if (!bytes.ok()) return bytes.error();
    if (Status s = assembler.place(t, plan.types[i], *bytes); !s.ok()) return s.error();
    if (t.role == Role::token_embd) {
      m->embedding.type = plan.types[i];
      m->embedding.row_bytes = quant::bytes_for(plan.types[i], t.shape[0]);
      if (plan.embedding_in_file) {
        m->embedding.rows = bytes->data();
        continue;
      }
      m->embedding_storage.assign(bytes->begin(), bytes->end());
      m->embedding.rows = m->embedding_storage.data();
    }
    plan.release(i);
  }
  if (Status s = check_complete(*m); !s.ok()) return make_error("{}: {}", m->source, s.error().message);
  return std::shared_ptr<const Model>(std::move(m));
}

}  // namespace

void embed_token(const EmbeddingTable& table, std::int32_t token, std::int64_t n, float* out) {
  quant::reference_fns(table.type)->dequantize_row(table.rows + static_cast<std::size_t>(token) * table.row_bytes,
                                                   out, n);
}

Result<std::shared_ptr<const Model>> load_gguf(const std::filesystem::path& path, const LoadOptions& options) {
  Result<gguf::GgufFile> opened = gguf::GgufFile::open(path);
  if (!opened.ok()) return opened.error();
  auto file = std::make_shared<gguf::GgufFile>(std::move(opened).value());
  Result<model::ModelSpec> spec = model::spec_from_gguf(*file);
  if (!spec.ok()) return spec.error();
  spec->name = path.stem().string();
  Plan plan{*spec, model::file_tensors(*file), model::file_types(*file), {}, true};
  std::optional<model::Scheme> scheme;
  if (Result<std::uint64_t> ft = file->get_uint("general.file_type"); ft.ok()) {
    scheme = model::scheme_from_file_type(static_cast<std::uint32_t>(*ft));
  }
  std::vector<TensorType> file_types = plan.types;
  if (options.requantize) {
    scheme = options.requantize;
    const std::vector<TensorType> policy = model::assign_types(plan.spec, plan.tensors, *options.requantize);
    for (std::size_t i = 0; i < plan.tensors.size(); ++i) {
      if (model::is_quantizable(plan.tensors[i])) plan.types[i] = policy[i];
    }
    plan.embedding_in_file = false;
  }
  plan.bytes = [file, file_types, types = plan.types, threads = options.threads](
                   std::size_t i, std::vector<std::byte>& scratch) -> Result<std::span<const std::byte>> {
    const gguf::TensorInfo& t = file->tensors()[i];
    const std::span<const std::byte> data = file->tensor_data(t);
    if (file_types[i] == types[i]) return data;
    scratch.resize(quant::bytes_for(types[i], t.n_elements));
    Status s = quant::convert_rows(t.type, data, types[i], scratch, static_cast<std::int64_t>(t.rows()),
                                   static_cast<std::int64_t>(t.shape[0]), threads);
    if (!s.ok()) return make_error("tensor {}: {}", t.name, s.error().message);
    return std::span<const std::byte>(scratch);
  };
  // Packed tensors are not read from the file again: without this, a model's file pages stay in
  // its resident size beside the packed copy, near twice the model (a 16 GiB file peaked at 22.9
  // GiB on a 23.5 GiB machine).
  plan.release = [file](std::size_t i) { file->release(file->tensors()[i]); };
  return assemble(std::move(plan), path.string(), scheme, file, options);
}

Result<std::shared_ptr<const Model>> load_preset(const model::ModelSpec& spec, model::Scheme scheme,
                                                 const LoadOptions& options) {
  Plan plan{spec, model::plan_tensors(spec), {}, {}, false};
  plan.types = model::assign_types(spec, plan.tensors, scheme);
  // The same seeds and streams as `model synth`: a preset loaded here equals the file it would write.
  auto rope = std::make_shared<std::vector<float>>(model::llama3_rope_factors(spec));
  plan.bytes = [tensors = plan.tensors, types = plan.types, rope, seed = options.seed, threads = options.threads](
                   std::size_t i, std::vector<std::byte>& scratch) -> Result<std::span<const std::byte>> {
    const PlannedTensor& t = tensors[i];
    if (t.role == Role::rope_freqs) return std::as_bytes(std::span(*rope));
    scratch.resize(quant::bytes_for(types[i], t.n_elements()));
    Status s = model::generate_weights(types[i], t.n_elements(), model::distribution_for(t), seed, i,
                                       0, scratch, threads);
    if (!s.ok()) return make_error("tensor {}: {}", t.name, s.error().message);
    return std::span<const std::byte>(scratch);
  };
  return assemble(std::move(plan), "preset:" + spec.name, scheme, nullptr, options);
}

}  // namespace memwall::engine
