#pragma once
// A ModelSpec to and from the architecture metadata of a GGUF file, with the keys llama.cpp reads.
#include <cstdint>

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

// A deterministic SentencePiece-style vocabulary of spec.n_vocab tokens (unk, bos, eos, the 256
// byte tokens, then synthetic pieces) under tokenizer.ggml.*, so llama.cpp can load the file.
// Needs n_vocab >= 259 + 1.
Status write_synthetic_vocab(std::uint32_t n_vocab, gguf::GgufWriter& writer);

// llama3-style RoPE frequency factors (the rope_freqs.weight tensor), head_dim / 2 of them.
std::vector<float> llama3_rope_factors(const ModelSpec& spec);

}  // namespace memwall::model
