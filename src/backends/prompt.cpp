#include "memwall/backends/prompt.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <cmath>

namespace memwall::backends {
namespace {

// Common English words: most tokenizers give each one or two tokens, as in ordinary prose.
constexpr std::string_view kWords[] = {
    "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on",
    "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they",
    "you", "were", "their", "one", "all", "we", "can", "her", "has", "there", "been", "if", "more",
    "when", "will", "would", "who", "so", "no", "time", "people", "water", "river", "mountain", "city",
    "house", "window", "garden", "morning", "evening", "letter", "market", "bridge", "forest", "island",
    "music", "paper", "engine", "memory", "number", "system", "light", "stone", "winter", "summer",
    "journey", "question", "answer", "history", "language", "machine", "model", "signal", "weather",
    "harbor", "valley", "station", "library", "kitchen", "doctor", "teacher", "student", "village",
    "friend", "family", "animal", "orange", "silver", "golden", "quiet", "rapid", "gentle", "bright",
    "heavy", "narrow", "ancient", "modern", "simple", "careful", "distant", "early", "later", "always",
    "never", "often", "slowly", "together", "between", "through", "under", "across", "before", "after",
    "because", "while", "where", "every", "small", "large", "green", "north"};

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::int64_t TokenModel::words_for(std::int64_t tokens) const {
  const double words = (static_cast<double>(tokens) - overhead_tokens) / tokens_per_word;
  return std::max<std::int64_t>(1, std::llround(words));
}

std::int64_t TokenModel::tokens_for(std::int64_t words) const {
  return std::max<std::int64_t>(1, std::llround(overhead_tokens + tokens_per_word * static_cast<double>(words)));
}

bool fit_token_model(std::int64_t words_a, std::int64_t tokens_a, std::int64_t words_b, std::int64_t tokens_b,
                     TokenModel& out) {
  if (words_a == words_b || tokens_a <= 0 || tokens_b <= 0) return false;
  const double slope = static_cast<double>(tokens_b - tokens_a) / static_cast<double>(words_b - words_a);
  if (!(slope > 0)) return false;
  out.tokens_per_word = slope;
  out.overhead_tokens = std::max(0.0, static_cast<double>(tokens_a) - slope * static_cast<double>(words_a));
  return true;
}

std::string PromptMaker::make(char tag, std::int64_t index, std::int64_t words) const {
  const auto run = static_cast<std::uint32_t>(splitmix64(seed_));
  std::string prompt = fmt::format("{}{:06d}-{:08x}:", tag, index, run);
  const std::uint64_t base = splitmix64(seed_ ^ splitmix64(static_cast<std::uint64_t>(index) * 2 + 1));
  for (std::int64_t i = 1; i < words; ++i) {
    prompt.push_back(' ');
    prompt.append(kWords[splitmix64(base + static_cast<std::uint64_t>(i)) % std::size(kWords)]);
  }
  return prompt;
}

std::int64_t prompt_index(std::string_view prompt, char tag) {
  if (prompt.size() < 7 || prompt.front() != tag) return -1;
  std::int64_t index = 0;
  std::size_t i = 1;
  for (; i < prompt.size() && prompt[i] >= '0' && prompt[i] <= '9'; ++i) index = index * 10 + (prompt[i] - '0');
  return i > 1 && i < prompt.size() && prompt[i] == '-' ? index : -1;
}

}  // namespace memwall::backends
