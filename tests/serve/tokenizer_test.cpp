#include "memwall/serve/tokenizer.hpp"

#include <gtest/gtest.h>

#include "memwall/gguf/writer.hpp"
#include "memwall/model/gguf_io.hpp"
#include "support/subprocess.hpp"

namespace memwall::serve {
namespace {

std::string decode_all(const Tokenizer& t, const std::vector<std::int32_t>& ids) {
  std::string text;
  for (std::size_t i = 0; i < ids.size(); ++i) text += t.decode(ids[i]);
  return text;
}

TEST(Tokenizer, SyntheticVocabularyRoundTripsText) {
  const Tokenizer t = Tokenizer::synthetic(2000);
  ASSERT_EQ(t.kind(), Tokenizer::Kind::sentencepiece);
  const std::vector<std::int32_t> ids = t.encode("the cab");
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), 1);  // BOS
  const std::vector<std::int32_t> body(ids.begin() + 1, ids.end());
  EXPECT_EQ(decode_all(t, body), " the cab");  // SentencePiece puts a space in front
  EXPECT_LT(body.size(), std::string("the cab").size());  // pieces of several letters were used
  EXPECT_EQ(t.eos(), 2);
}

TEST(Tokenizer, CharactersWithoutAPieceFallBackToBytes) {
  const Tokenizer t = Tokenizer::synthetic(600);
  // "\u2581é": no piece holds the lone word-boundary mark (3 bytes) nor é (2 bytes).
  const std::vector<std::int32_t> ids = t.encode("é");
  ASSERT_EQ(ids.size(), 1u + 3u + 2u);
  EXPECT_EQ(t.decode(ids[4]) + t.decode(ids[5]), "é");
}

TEST(Tokenizer, ControlTokensDecodeToTheirPieceSoEveryTokenHasText) {
  const Tokenizer t = Tokenizer::synthetic(600);
  EXPECT_EQ(t.decode(2), "</s>");
  for (std::int32_t id = 0; id < 600; ++id) EXPECT_FALSE(t.decode(id).empty()) << id;
}

TEST(Tokenizer, FallbackHashesWordsAndCountsThemExactly) {
  const Tokenizer t = Tokenizer::fallback(1000, "test");
  EXPECT_EQ(t.kind(), Tokenizer::Kind::fallback);
  const std::vector<std::int32_t> ids = t.encode("  one two\tthree\n");
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids, t.encode("one two three"));
  for (std::int32_t id : ids) EXPECT_LT(id, 1000);
  EXPECT_EQ(t.decode(0), " a");
  EXPECT_EQ(t.decode(27), " ab");
  EXPECT_TRUE(t.encode("").empty());
}

TEST(Tokenizer, ReadsTheVocabularyOfAGgufFile) {
  const std::string dir = testing::make_temp_dir("memwall-tokenizer");
  const std::string path = dir + "/vocab.gguf";
  {
    gguf::GgufWriter writer;
    ASSERT_TRUE(model::write_synthetic_vocab(700, writer).ok());
    ASSERT_TRUE(writer.write(path).ok());
  }
  Result<gguf::GgufFile> file = gguf::GgufFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  const Tokenizer from_file = Tokenizer::from_gguf(*file, 700);
  EXPECT_EQ(from_file.kind(), Tokenizer::Kind::sentencepiece);
  EXPECT_EQ(from_file.encode("hello there"), Tokenizer::synthetic(700).encode("hello there"));
  // A vocabulary that does not match the model's size is not used.
  EXPECT_EQ(Tokenizer::from_gguf(*file, 800).kind(), Tokenizer::Kind::fallback);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace memwall::serve
