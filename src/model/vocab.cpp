// A synthetic SentencePiece-style vocabulary: enough for llama.cpp to load a synthesized model and
// for memwall to turn text into tokens deterministically. Not a trained tokenizer.
#include <fmt/format.h>

#include "memwall/model/gguf_io.hpp"

namespace memwall::model {
namespace {

// SentencePiece token types as GGUF stores them.
enum TokenType : std::int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kByte = 6 };

constexpr std::uint32_t kFirstPiece = 3 + 256;  // after <unk>, <s>, </s> and the byte tokens

// "a", "b", ..., "z", "aa", "ab", ...: bijective base 26, so every k gives a distinct word.
std::string letters(std::uint32_t k) {
  std::string word;
  for (++k; k > 0; k = (k - 1) / 26) word.insert(word.begin(), static_cast<char>('a' + (k - 1) % 26));
  return word;
}

}  // namespace

Result<SyntheticVocab> synthetic_vocab(std::uint32_t n_vocab) {
  if (n_vocab <= kFirstPiece) {
    return make_error("vocabulary of {} tokens is too small (at least {})", n_vocab,
                      kFirstPiece + 1);
  }
  SyntheticVocab vocab;
  vocab.tokens = {"<unk>", "<s>", "</s>"};
  vocab.types = {kUnknown, kControl, kControl};
  for (int b = 0; b < 256; ++b) {
    vocab.tokens.push_back(fmt::format("<0x{:02X}>", b));
    vocab.types.push_back(kByte);
  }
  // Even pieces start a word ("\u2581" is SentencePiece's word-boundary mark), odd ones continue it.
  for (std::uint32_t i = kFirstPiece; i < n_vocab; ++i) {
    const std::uint32_t k = i - kFirstPiece;
    vocab.tokens.push_back((k % 2 == 0 ? "\u2581" : "") + letters(k / 2));
    vocab.types.push_back(kNormal);
  }
  return vocab;
}

Status write_synthetic_vocab(std::uint32_t n_vocab, gguf::GgufWriter& writer) {
  Result<SyntheticVocab> vocab = synthetic_vocab(n_vocab);
  if (!vocab.ok()) return vocab.error();
  std::vector<float> scores(n_vocab);
  for (std::uint32_t i = 0; i < n_vocab; ++i) scores[i] = -static_cast<float>(i);

  writer.set("tokenizer.ggml.model", gguf::make_string("llama"));
  writer.set("tokenizer.ggml.tokens", gguf::make_string_array(std::move(vocab->tokens)));
  writer.set("tokenizer.ggml.scores", gguf::make_f32_array(scores));
  writer.set("tokenizer.ggml.token_type", gguf::make_i32_array(vocab->types));
  writer.set("tokenizer.ggml.unknown_token_id", gguf::Value{std::uint32_t{SyntheticVocab::kUnknownId}});
  writer.set("tokenizer.ggml.bos_token_id", gguf::Value{std::uint32_t{SyntheticVocab::kBosId}});
  writer.set("tokenizer.ggml.eos_token_id", gguf::Value{std::uint32_t{SyntheticVocab::kEosId}});
  writer.set("tokenizer.ggml.add_bos_token", gguf::Value{true});
  return {};
}

}  // namespace memwall::model
