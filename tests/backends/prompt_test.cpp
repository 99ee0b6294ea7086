#include "memwall/backends/prompt.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace memwall::backends {
namespace {

std::int64_t words_in(const std::string& s) { return 1 + std::count(s.begin(), s.end(), ' '); }

TEST(PromptMaker, PromptsHaveTheWordCountAndADistinctOpening) {
  const PromptMaker maker(5);
  std::set<std::string> openings;
  for (std::int64_t i = 0; i < 200; ++i) {
    const std::string p = maker.make('r', i, 40);
    EXPECT_EQ(words_in(p), 40);
    openings.insert(p.substr(0, p.find(' ')));
    EXPECT_EQ(prompt_index(p, 'r'), i);
  }
  EXPECT_EQ(openings.size(), 200u);
  EXPECT_EQ(maker.make('r', 3, 40), PromptMaker(5).make('r', 3, 40));  // deterministic
  EXPECT_NE(maker.make('r', 3, 40), PromptMaker(6).make('r', 3, 40));  // the seed matters
  EXPECT_NE(maker.make('r', 3, 40).substr(20), maker.make('r', 4, 40).substr(20));  // so does the index, throughout
  EXPECT_EQ(prompt_index(maker.make('c', 9, 5), 'r'), -1);
  EXPECT_EQ(prompt_index("hello", 'r'), -1);
}

TEST(TokenModel, TwoPointsGiveSlopeAndOverhead) {
  TokenModel m;
  ASSERT_TRUE(fit_token_model(8, 15, 108, 145, m));
  EXPECT_DOUBLE_EQ(m.tokens_per_word, 1.3);
  EXPECT_NEAR(m.overhead_tokens, 4.6, 1e-9);
  EXPECT_EQ(m.tokens_for(m.words_for(512)), 512);
  EXPECT_EQ(m.words_for(1), 1);  // never fewer than one word
  EXPECT_FALSE(fit_token_model(8, 15, 8, 15, m));
  EXPECT_FALSE(fit_token_model(8, 15, 100, 15, m));  // counts that do not grow
}

}  // namespace
}  // namespace memwall::backends
