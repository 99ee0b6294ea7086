#include "memwall/model/synth.hpp"

#include <cmath>
#include <cstring>
#include <memory>

#include "memwall/model/gguf_io.hpp"

namespace memwall::model {

WeightDistribution distribution_for(const PlannedTensor& t) {
  switch (t.role) {
    case Role::attn_norm: case Role::ffn_norm: case Role::output_norm: case Role::attn_q_norm:
    case Role::attn_k_norm: case Role::post_attention_norm: case Role::post_ffw_norm:
      return {1.0, 0.02};
    case Role::attn_q_bias: case Role::attn_k_bias: case Role::attn_v_bias:
    case Role::attn_output_bias: case Role::ffn_gate_inp_bias: case Role::ffn_gate_exps_bias:
    case Role::ffn_up_exps_bias: case Role::ffn_down_exps_bias: case Role::attn_sinks:
    case Role::token_embd:
      return {0.0, 0.02};
    default:
      return {0.0, 1.0 / std::sqrt(static_cast<double>(t.shape[0]))};
  }
}

Status synthesize(const ModelSpec& spec, Scheme scheme, const SynthOptions& options,
                  const std::filesystem::path& path, const gguf::GgufWriter::Progress& progress) {
  const std::vector<PlannedTensor> tensors = plan_tensors(spec);
  const std::vector<quant::TensorType> types = assign_types(spec, tensors, scheme);
  gguf::GgufWriter writer;
  write_spec_metadata(spec, scheme_info(scheme).gguf_file_type, writer);
  if (Status s = write_synthetic_vocab(spec.n_vocab, writer); !s.ok()) return s;

  // rope_freqs holds computed factors, not random values; the writer reads them at write().
  const auto rope_factors = std::make_shared<std::vector<float>>(llama3_rope_factors(spec));
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const PlannedTensor& t = tensors[i];
    const quant::TensorType type = types[i];
    gguf::GgufWriter::Filler fill;
    if (t.role == Role::rope_freqs) {
      fill = [rope_factors](std::uint64_t offset, std::span<std::byte> out) -> Status {
        std::memcpy(out.data(), reinterpret_cast<const std::byte*>(rope_factors->data()) + offset,
                    out.size());
        return {};
      };
    } else {
      fill = [type, n = t.n_elements(), dist = distribution_for(t), seed = options.seed,
              stream = i, threads = options.threads](std::uint64_t offset, std::span<std::byte> out) {
        return generate_weights(type, n, dist, seed, stream, offset, out, threads);
      };
    }
    if (Status s = writer.add_tensor(t.name, t.shape, type, std::move(fill)); !s.ok()) return s;
  }
  return writer.write(path, progress);
}

}  // namespace memwall::model
