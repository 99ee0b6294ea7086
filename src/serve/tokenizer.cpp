#include "memwall/serve/tokenizer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "memwall/model/gguf_io.hpp"

namespace memwall::serve {
namespace {

// GGUF's tokenizer.ggml.token_type values.
enum TokenType : std::int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

constexpr std::string_view kSpaceMark = "\u2581";  // SentencePiece's word boundary
// Pieces longer than this are never matched: real vocabularies have few, and the search per
// position costs one hash lookup per byte of length.
constexpr std::size_t kMaxMatchBytes = 64;

std::string utf8(char32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return s;
}

std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;  // a stray continuation byte: one byte at a time
}

// GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others for 256 + n in order.
std::vector<char32_t> gpt2_code_points() {
  std::vector<char32_t> cps(256);
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
    cps[static_cast<std::size_t>(b)] = printable ? static_cast<char32_t>(b) : next++;
  }
  return cps;
}

std::string letters(std::uint32_t k) {
  std::string word;
  for (std::uint64_t n = std::uint64_t{k} + 1; n > 0; n = (n - 1) / 26) {
    word.insert(word.begin(), static_cast<char>('a' + (n - 1) % 26));
  }
  return word;
}

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

std::optional<std::int32_t> token_id(const gguf::GgufFile& file, std::string_view key, std::uint32_t n_vocab) {
  const gguf::Value* v = file.find(key);
  if (v == nullptr || !v->as_uint() || *v->as_uint() >= n_vocab) return std::nullopt;
  return static_cast<std::int32_t>(*v->as_uint());
}

// "<0x41>" -> 0x41; -1 when the piece is not a byte token.
int byte_of_piece(std::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece.back() != '>') return -1;
  int value = 0;
  for (char c : piece.substr(3, 2)) {
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

}  // namespace

Tokenizer Tokenizer::fallback(std::uint32_t n_vocab, std::string note) {
  Tokenizer t;
  t.n_vocab_ = n_vocab;
  t.note_ = fmt::format("fallback tokenizer (a hashed token per word): {}", note);
  return t;
}

Tokenizer Tokenizer::synthetic(std::uint32_t n_vocab) {
  Result<model::SyntheticVocab> vocab = model::synthetic_vocab(n_vocab);
  if (!vocab.ok()) return fallback(n_vocab, vocab.error().message);
  Tokenizer t;
  t.kind_ = Kind::sentencepiece;
  t.n_vocab_ = n_vocab;
  t.pieces_ = std::move(vocab->tokens);
  t.types_ = std::move(vocab->types);
  t.unk_ = model::SyntheticVocab::kUnknownId;
  t.bos_ = model::SyntheticVocab::kBosId;
  t.eos_ = model::SyntheticVocab::kEosId;
  t.add_bos_ = true;
  t.index_pieces();
  t.note_ = fmt::format("memwall's synthetic SentencePiece vocabulary of {} pieces", n_vocab);
  return t;
}

Tokenizer Tokenizer::from_gguf(const gguf::GgufFile& file, std::uint32_t n_vocab) {
  const gguf::Value* model_value = file.find("tokenizer.ggml.model");
  const gguf::Value* tokens_value = file.find("tokenizer.ggml.tokens");
  if (model_value == nullptr || model_value->as_string() == nullptr || tokens_value == nullptr) {
    return fallback(n_vocab, file.name() + " has no tokenizer.ggml vocabulary");
  }
  const std::string& model_name = *model_value->as_string();
  if (model_name != "llama" && model_name != "gpt2") {
    return fallback(n_vocab, fmt::format("tokenizer model '{}' is neither 'llama' nor 'gpt2'", model_name));
  }
  const gguf::Array* tokens = tokens_value->as_array();
  if (tokens == nullptr || tokens->element_type != gguf::ValueType::string || tokens->items.size() != n_vocab) {
    return fallback(n_vocab, fmt::format("tokenizer.ggml.tokens does not hold the model's {} strings", n_vocab));
  }
  Tokenizer t;
  t.kind_ = model_name == "llama" ? Kind::sentencepiece : Kind::byte_level_bpe;
  t.n_vocab_ = n_vocab;
  for (const gguf::Value& v : tokens->items) t.pieces_.push_back(*v.as_string());
  if (const gguf::Value* types = file.find("tokenizer.ggml.token_type"); types && types->as_array() &&
                                                                         types->as_array()->items.size() == n_vocab) {
    for (const gguf::Value& v : types->as_array()->items) t.types_.push_back(static_cast<std::int32_t>(v.as_int().value_or(kNormal)));
  }
  t.bos_ = token_id(file, "tokenizer.ggml.bos_token_id", n_vocab);
  t.eos_ = token_id(file, "tokenizer.ggml.eos_token_id", n_vocab);
  t.unk_ = token_id(file, "tokenizer.ggml.unknown_token_id", n_vocab);
  const gguf::Value* add_bos = file.find("tokenizer.ggml.add_bos_token");
  t.add_bos_ = add_bos && add_bos->as_bool() ? *add_bos->as_bool() : t.kind_ == Kind::sentencepiece;
  t.index_pieces();
  t.note_ = fmt::format("{} vocabulary of {} pieces from {}",
                        t.kind_ == Kind::sentencepiece ? "SentencePiece" : "byte-level BPE", n_vocab, file.name());
  return t;
}

void Tokenizer::index_pieces() {
  byte_tokens_.assign(256, -1);
  for (std::size_t i = 0; i < pieces_.size(); ++i) {
    const std::int32_t type = types_.empty() ? kNormal : types_[i];
    const std::string& piece = pieces_[i];
    const auto id = static_cast<std::int32_t>(i);
    if (kind_ == Kind::sentencepiece && (type == kByte || types_.empty())) {
      if (const int b = byte_of_piece(piece); b >= 0) {
        byte_tokens_[static_cast<std::size_t>(b)] = id;
        continue;
      }
    }
    if (piece.empty() || (type != kNormal && type != kUserDefined)) continue;
    piece_ids_.emplace(std::string_view(piece), id);  // the first of duplicate pieces wins
    longest_piece_bytes_ = std::max(longest_piece_bytes_, std::min(piece.size(), kMaxMatchBytes));
  }
  if (kind_ == Kind::byte_level_bpe) {
    const std::vector<char32_t> cps = gpt2_code_points();
    unicode_to_byte_.assign(512, -1);
    for (std::size_t b = 0; b < 256; ++b) {
      byte_to_unicode_.push_back(utf8(cps[b]));
      unicode_to_byte_[cps[b]] = static_cast<std::int16_t>(b);
    }
  }
}

std::vector<std::int32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<std::int32_t> out;
  if (kind_ == Kind::fallback) {
    encode_fallback(text, out);
    return out;
  }
  if (add_bos_ && bos_) out.push_back(*bos_);
  std::string normalized;
  if (kind_ == Kind::sentencepiece) {
    normalized.append(kSpaceMark);
    for (char c : text) c == ' ' ? normalized.append(kSpaceMark) : normalized.append(1, c);
  } else {
    for (unsigned char c : text) normalized.append(byte_to_unicode_[c]);
  }
  encode_pieces(normalized, out);
  return out;
}

void Tokenizer::encode_pieces(std::string_view text, std::vector<std::int32_t>& out) const {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t len = std::min(longest_piece_bytes_, text.size() - pos);
    for (; len > 0; --len) {
      const auto it = piece_ids_.find(text.substr(pos, len));
      if (it == piece_ids_.end()) continue;
      out.push_back(it->second);
      break;
    }
    if (len > 0) {
      pos += len;
      continue;
    }
    // No piece starts here: the character's bytes (SentencePiece byte fallback), else <unk>.
    const std::size_t char_len = std::min(utf8_length(static_cast<unsigned char>(text[pos])), text.size() - pos);
    if (kind_ == Kind::sentencepiece) {
      for (std::size_t i = 0; i < char_len; ++i) {
        const std::int32_t byte_token = byte_tokens_[static_cast<unsigned char>(text[pos + i])];
        out.push_back(byte_token >= 0 ? byte_token : unk_.value_or(0));
      }
    } else {
      out.push_back(unk_.value_or(0));
    }
    pos += char_len;
  }
}

void Tokenizer::encode_fallback(std::string_view text, std::vector<std::int32_t>& out) const {
  const auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && space(text[pos])) ++pos;
    std::size_t end = pos;
    while (end < text.size() && !space(text[end])) ++end;
    if (end > pos) out.push_back(static_cast<std::int32_t>(fnv1a(text.substr(pos, end - pos)) % n_vocab_));
    pos = end;
  }
}

std::string Tokenizer::decode(std::int32_t token) const {
  if (kind_ == Kind::fallback || token < 0 || static_cast<std::size_t>(token) >= pieces_.size()) {
    return fmt::format(" {}", letters(static_cast<std::uint32_t>(std::max(token, 0))));
  }
  const std::string& piece = pieces_[static_cast<std::size_t>(token)];
  const std::int32_t type = types_.empty() ? kNormal : types_[static_cast<std::size_t>(token)];
  std::string text;
  if (type == kControl || type == kUnknown || type == kUnused) {
    text = piece;
  } else if (kind_ == Kind::sentencepiece) {
    if (const int b = byte_of_piece(piece); b >= 0) return std::string(1, static_cast<char>(b));
    for (std::size_t at = 0; at < piece.size();) {
      if (piece.compare(at, kSpaceMark.size(), kSpaceMark) == 0) {
        text.push_back(' ');
        at += kSpaceMark.size();
      } else {
        text.push_back(piece[at++]);
      }
    }
  } else {
    text = decode_byte_level(piece);
  }
  return text.empty() ? fmt::format("<{}>", token) : text;
}

std::string Tokenizer::decode_byte_level(std::string_view piece) const {
  std::string text;
  for (std::size_t at = 0; at < piece.size();) {
    const auto lead = static_cast<unsigned char>(piece[at]);
    const std::size_t len = std::min(utf8_length(lead), piece.size() - at);
    char32_t cp = len == 1 ? lead : lead & (0xFF >> (len + 1));
    for (std::size_t i = 1; i < len; ++i) cp = (cp << 6) | (static_cast<unsigned char>(piece[at + i]) & 0x3F);
    if (cp < unicode_to_byte_.size() && unicode_to_byte_[cp] >= 0) {
      text.push_back(static_cast<char>(unicode_to_byte_[cp]));
    } else {
      text.append(piece.substr(at, len));
    }
    at += len;
  }
  return text;
}

}  // namespace memwall::serve
