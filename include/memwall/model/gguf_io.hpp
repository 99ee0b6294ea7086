#pragma once
// A ModelSpec to and from the architecture metadata of a GGUF file, with the keys llama.cpp reads.
#include <cstdint>
#include <string>
#include <vector>

#include "memwall/gguf/reader.hpp"
#include "memwall/gguf/writer.hpp"
#include "memwall/model/scheme.hpp"
#include "memwall/model/spec.hpp"
#include "memwall/util/result.hpp"

namespace memwall::model {

// Errors name the file and the key: "m.gguf: key llama.block_count: missing".
Result<ModelSpec> spec_from_gguf(const gguf::GgufFile& file);

// general.*, <arch>.* keys. `file_type` is general.file_type (SchemeInfo::gguf_file_type).
void write_spec_metadata(const ModelSpec& spec, std::uint32_t file_type, gguf::GgufWriter& writer);

// A deterministic SentencePiece-style vocabulary of n_vocab tokens: <unk>, <s>, </s>, the 256 byte
// tokens <0x00>..<0xFF>, then synthetic pieces ("\u2581a", "a", "\u2581b", ...). Types as GGUF's
// tokenizer.ggml.token_type stores them (1 normal, 2 unknown, 3 control, 6 byte).
struct SyntheticVocab {
  static constexpr std::uint32_t kUnknownId = 0, kBosId = 1, kEosId = 2;
  std::vector<std::string> tokens;
  std::vector<std::int32_t> types;
};
// Needs n_vocab >= 259 + 1.
Result<SyntheticVocab> synthetic_vocab(std::uint32_t n_vocab);

// That vocabulary under tokenizer.ggml.*, so llama.cpp can load the file.
Status write_synthetic_vocab(std::uint32_t n_vocab, gguf::GgufWriter& writer);

// llama3-style RoPE frequency factors (the rope_freqs.weight tensor), head_dim / 2 of them.
std::vector<float> llama3_rope_factors(const ModelSpec& spec);

}  // namespace memwall::model
