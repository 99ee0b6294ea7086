#pragma once
// Synthetic prompts of a requested token length, unique per request. Each prompt opens with its
// own identifier ("r000017-5f3a9c21:"), so no two prompts share even their first tokens and no
// prefix cache can serve one from another; the words after it are drawn per request and position
// from a seeded hash. A server's tokenizer is unknown, so lengths are sized through a linear model
// of tokens against words, calibrated from the usage the server reports.
#include <cstdint>
#include <string>
#include <string_view>

namespace memwall::backends {

// tokens(words) = overhead_tokens + tokens_per_word × words.
struct TokenModel {
  double overhead_tokens = 0;   // identifier, BOS, chat template
  double tokens_per_word = 1.3;

  // Words for a prompt of `tokens` tokens; at least 1.
  std::int64_t words_for(std::int64_t tokens) const;
  std::int64_t tokens_for(std::int64_t words) const;
};

// A model through two measured points (words, tokens); nothing when they do not give a positive
// slope.
bool fit_token_model(std::int64_t words_a, std::int64_t tokens_a, std::int64_t words_b, std::int64_t tokens_b,
                     TokenModel& out);

class PromptMaker {
 public:
  explicit PromptMaker(std::uint64_t seed) : seed_(seed) {}

  // "<tag><index:06>-<run:08x>: w1 w2 ... wN" with N = words - 1 (the identifier is a word too).
  std::string make(char tag, std::int64_t index, std::int64_t words) const;

 private:
  std::uint64_t seed_;
};

// The request index a prompt made with `tag` opens with, or -1: lets a test server tell requests
// apart.
std::int64_t prompt_index(std::string_view prompt, char tag);

}  // namespace memwall::backends
