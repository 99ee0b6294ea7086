#include "memwall/backends/stream_parsers.hpp"

#include <gtest/gtest.h>

namespace memwall::backends {
namespace {

std::vector<SseEvent> feed_in_pieces(std::string_view bytes, std::size_t piece) {
  SseParser parser;
  std::vector<SseEvent> events;
  for (std::size_t at = 0; at < bytes.size(); at += piece) EXPECT_TRUE(parser.feed(bytes.substr(at, piece), events));
  return events;
}

TEST(SseParser, EventsComeOutWhateverTheSplit) {
  const std::string_view stream =
      "data: {\"a\":1}\n\n: keep-alive comment\n\nevent: error\ndata: first\ndata: second\n\ndata:[DONE]\n\n";
  for (std::size_t piece : {1u, 2u, 3u, 7u, 1000u}) {
    const std::vector<SseEvent> events = feed_in_pieces(stream, piece);
    ASSERT_EQ(events.size(), 3u) << "piece " << piece;
    EXPECT_EQ(events[0].data, "{\"a\":1}");
    EXPECT_EQ(events[0].type, "");
    EXPECT_EQ(events[1].type, "error");
    EXPECT_EQ(events[1].data, "first\nsecond");
    EXPECT_EQ(events[2].data, "[DONE]");  // no space after the colon is fine too
  }
}

TEST(SseParser, AcceptsCrLfAndBareCrLineEnds) {
  for (std::size_t piece : {1u, 5u, 100u}) {
    const std::vector<SseEvent> crlf = feed_in_pieces("data: x\r\n\r\ndata: y\r\n\r\n", piece);
    ASSERT_EQ(crlf.size(), 2u);
    EXPECT_EQ(crlf[0].data, "x");
    EXPECT_EQ(crlf[1].data, "y");
    const std::vector<SseEvent> cr = feed_in_pieces("data: x\r\rdata: y\r\r", piece);
    ASSERT_EQ(cr.size(), 2u);
    EXPECT_EQ(cr[1].data, "y");
  }
}

TEST(SseParser, IdAndRetryFieldsAreIgnoredAndAnEventWithoutDataIsNotDispatched) {
  const std::vector<SseEvent> events = feed_in_pieces("id: 7\nretry: 100\n\nevent: ping\n\ndata: z\n\n", 4);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "z");
}

TEST(SseParser, PartialEventIsReportedUntilItsBlankLine) {
  SseParser parser;
  std::vector<SseEvent> events;
  EXPECT_TRUE(parser.feed("data: half", events));
  EXPECT_TRUE(parser.has_partial());
  EXPECT_TRUE(parser.feed(" done\n", events));
  EXPECT_TRUE(parser.has_partial());
  EXPECT_TRUE(parser.feed("\n", events));
  EXPECT_FALSE(parser.has_partial());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "half done");
}

TEST(SseParser, ABodyThatIsNotAnEventStreamIsAnError) {
  SseParser parser;
  std::vector<SseEvent> events;
  EXPECT_FALSE(parser.feed("{\"error\": \"not found\"}\n", events));
  EXPECT_NE(parser.error().find("not an event stream"), std::string::npos) << parser.error();
  EXPECT_FALSE(parser.feed("data: x\n\n", events));  // stays broken
}

TEST(JsonLinesParser, LinesComeOutWhateverTheSplit) {
  const std::string_view stream = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n";
  for (std::size_t piece : {1u, 3u, 100u}) {
    JsonLinesParser parser;
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < stream.size(); at += piece) ASSERT_TRUE(parser.feed(stream.substr(at, piece), lines));
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[1], "{\"b\":2}");
    EXPECT_FALSE(parser.has_partial());
  }
}

}  // namespace
}  // namespace memwall::backends
