#pragma once
// Prompt text to token ids and generated ids to text, for `memwall serve`. Not a trained tokenizer:
// it matches the model's own vocabulary greedily (longest piece first), which gives the token counts
// of a real tokenizer to within a few percent and is exact about what it feeds the engine.
//   - SentencePiece vocabularies (tokenizer.ggml.model "llama", and memwall's synthetic one):
//     spaces become U+2581, a U+2581 is put in front, pieces are matched longest first, and a
//     character no piece covers falls back to its <0xXX> byte tokens (or <unk>).
//   - Byte-level BPE vocabularies ("gpt2": Llama 3, Qwen, ...): bytes are mapped to GPT-2's printable
//     alphabet, then matched longest first.
//   - Otherwise (no vocabulary, another tokenizer model, a vocabulary that does not match the
//     model): the fallback. Each whitespace-separated word is one token whose id is the FNV-1a
//     64-bit hash of its bytes modulo the vocabulary size; token id t is output as " " followed by
//     t in bijective base 26 ("a", "b", ..., "z", "aa", ...).
// Generated tokens always decode to non-empty text: a control or unknown token decodes to its piece
// as written ("</s>"), so every streamed token is a chunk that carries text.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "memwall/gguf/reader.hpp"

namespace memwall::serve {

class Tokenizer {
 public:
  enum class Kind { sentencepiece, byte_level_bpe, fallback };

  // The vocabulary of a GGUF file for a model of n_vocab tokens; the fallback (with the reason
  // in note()) when it has none usable.
  static Tokenizer from_gguf(const gguf::GgufFile& file, std::uint32_t n_vocab);
  // The vocabulary `memwall model synth` writes into every file it makes (presets run with it).
  static Tokenizer synthetic(std::uint32_t n_vocab);
  static Tokenizer fallback(std::uint32_t n_vocab, std::string note);

  Tokenizer(Tokenizer&&) = default;  // piece_ids_ views strings whose storage a move keeps
  Tokenizer& operator=(Tokenizer&&) = default;
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Token ids for `text`, BOS first when the vocabulary asks for one.
  std::vector<std::int32_t> encode(std::string_view text) const;
  // The text of one generated token.
  std::string decode(std::int32_t token) const;

  Kind kind() const { return kind_; }
  std::uint32_t n_vocab() const { return n_vocab_; }
  std::optional<std::int32_t> eos() const { return eos_; }
  // How the tokenizer was chosen, for the start-up line ("SentencePiece vocabulary of 512 pieces").
  const std::string& note() const { return note_; }

 private:
  Tokenizer() = default;
  void index_pieces();
  void encode_pieces(std::string_view text, std::vector<std::int32_t>& out) const;
  void encode_fallback(std::string_view text, std::vector<std::int32_t>& out) const;
  std::string decode_byte_level(std::string_view piece) const;

  Kind kind_ = Kind::fallback;
  std::uint32_t n_vocab_ = 0;
  std::vector<std::string> pieces_;
  std::vector<std::int32_t> types_;  // GGUF token types; empty = all normal
  std::unordered_map<std::string_view, std::int32_t> piece_ids_;  // views into pieces_
  std::size_t longest_piece_bytes_ = 0;
  std::vector<std::int32_t> byte_tokens_;       // SentencePiece <0xXX> id of each byte; -1 = none
  std::vector<std::string> byte_to_unicode_;     // byte-level BPE: GPT-2's printable form of each byte
  std::vector<std::int16_t> unicode_to_byte_;    // and back, by code point; -1 = not a mapped byte
  std::optional<std::int32_t> bos_, eos_, unk_;
  bool add_bos_ = false;
  std::string note_;
};

}  // namespace memwall::serve
