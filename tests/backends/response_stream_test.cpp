#include "memwall/backends/response_stream.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace memwall::backends {
namespace {

constexpr std::int64_t kMs = 1'000'000;

std::string sse(std::string_view json) { return "data: " + std::string(json) + "\n\n"; }

TEST(ResponseStream, CompletionsStreamGivesOneTokenPerChunkAndServerUsage) {
  ResponseStream s(Api::openai_completions);
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"index":0,"text":"Hello","finish_reason":null}]})"), 10 * kMs));
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"index":0,"text":" world","finish_reason":null}]})"), 12 * kMs));
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"index":0,"text":"","finish_reason":"length"}]})"), 13 * kMs));
  EXPECT_TRUE(s.feed(sse(R"({"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2},)"
                         R"("timings":{"prompt_n":7,"prompt_ms":3.5,"predicted_n":2,"predicted_ms":2.0}})"), 13 * kMs));
  EXPECT_TRUE(s.feed(sse("[DONE]"), 14 * kMs));
  EXPECT_TRUE(s.complete());
  RequestTiming t;
  s.account(t, 0);
  EXPECT_DOUBLE_EQ(t.first_token_s, 0.010);
  EXPECT_EQ(t.token_s, (std::vector<double>{0.010, 0.012}));
  EXPECT_EQ(t.prompt_tokens, 7);
  EXPECT_EQ(t.output_tokens, 2);
  EXPECT_TRUE(t.usage_reported);
  EXPECT_EQ(t.server.prompt_tokens, 7);
  EXPECT_DOUBLE_EQ(*t.server.prompt_ms, 3.5);
  EXPECT_EQ(t.server.predicted_tokens, 2);
}

TEST(ResponseStream, ChatRoleOnlyChunkDoesNotStampTheFirstToken) {
  ResponseStream s(Api::openai_chat);
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})"), 5 * kMs));
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"index":0,"delta":{"content":"Hi"}}]})"), 9 * kMs));
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"index":0,"delta":{"reasoning_content":"hmm"}}]})"), 11 * kMs));
  EXPECT_TRUE(s.feed(sse("[DONE]"), 12 * kMs));
  RequestTiming t;
  s.account(t, 0);
  EXPECT_DOUBLE_EQ(t.first_token_s, 0.009);
  EXPECT_EQ(t.output_tokens, 2);  // no usage: one token per text chunk
  EXPECT_FALSE(t.usage_reported);
}

TEST(ResponseStream, FirstTextTakesAnEarlierArrivalStampAndKeepsItsReadTime) {
  ResponseStream s(Api::openai_completions);
  s.restamp_first_text(1 * kMs);  // no text yet: nothing to restamp
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"text":"ab"}]})"), 10 * kMs));
  s.restamp_first_text(11 * kMs);  // later than its read: ignored
  s.restamp_first_text(7 * kMs);
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"text":"cd"}]})"), 12 * kMs));
  EXPECT_TRUE(s.feed(sse("[DONE]"), 12 * kMs));
  RequestTiming t;
  s.account(t, 0);
  EXPECT_DOUBLE_EQ(t.first_token_s, 0.007);
  EXPECT_DOUBLE_EQ(t.first_token_read_s, 0.010);
  EXPECT_TRUE(t.first_token_kernel_stamp);
  EXPECT_EQ(t.token_s, (std::vector<double>{0.007, 0.012}));
}

TEST(ResponseStream, WithoutAnArrivalStampTheFirstTokenIsItsReadTime) {
  ResponseStream s(Api::openai_completions);
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"text":"ab"}]})"), 10 * kMs));
  RequestTiming t;
  s.account(t, 0);
  EXPECT_DOUBLE_EQ(t.first_token_s, 0.010);
  EXPECT_DOUBLE_EQ(t.first_token_read_s, 0.010);
  EXPECT_FALSE(t.first_token_kernel_stamp);
}

TEST(ResponseStream, AChunkOfSeveralTokensCountsAsSeveral) {
  ResponseStream s(Api::openai_completions);
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"text":"ab"}]})"), 1 * kMs));
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"text":"cdefgh"}]})"), 2 * kMs));  // three times the text
  EXPECT_TRUE(s.feed(sse(R"({"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":5}})"), 3 * kMs));
  EXPECT_TRUE(s.feed(sse("[DONE]"), 3 * kMs));
  RequestTiming t;
  s.account(t, 0);
  EXPECT_EQ(t.token_s, (std::vector<double>{0.001, 0.002, 0.002, 0.002, 0.002}));
}

TEST(ResponseStream, RunningUsageCountsPlaceTokensExactly) {
  ResponseStream s(Api::openai_completions);
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"text":"a"}],"usage":{"prompt_tokens":3,"completion_tokens":1}})"), 1 * kMs));
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"text":"b"}],"usage":{"prompt_tokens":3,"completion_tokens":4}})"), 2 * kMs));
  EXPECT_TRUE(s.feed(sse("[DONE]"), 2 * kMs));
  RequestTiming t;
  s.account(t, 0);
  EXPECT_EQ(t.token_s, (std::vector<double>{0.001, 0.002, 0.002, 0.002}));
}

TEST(ResponseStream, OnlyTheChoicesOwnTextCounts) {
  ResponseStream s(Api::openai_chat);
  // vLLM-style logprobs and a tool call carry strings named "text" and "content" deeper down.
  EXPECT_TRUE(s.feed(sse(R"({"id":"x","choices":[{"index":0,"delta":{"content":"ab","tool_calls":[{"function":)"
                         R"({"arguments":"{}"}}]},"logprobs":{"content":[{"token":"ab","text":"ab"}]},)"
                         R"("finish_reason":null,"stop_reason":null}],"text":"not a choice"})"),
                     1 * kMs));
  ASSERT_EQ(s.chunks().size(), 1u);
  EXPECT_EQ(s.chunks()[0].text_bytes, 2);
  EXPECT_FALSE(s.complete());
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"), 2 * kMs));
  EXPECT_TRUE(s.complete());  // a finish reason ends a stream whose server sends no [DONE]
  ResponseStream bad(Api::openai_completions);
  EXPECT_FALSE(bad.feed(sse(R"({"choices":["text"]})"), 1));
  EXPECT_EQ(bad.failure()->kind, error_kind::malformed_stream);
}

TEST(TokensPerChunk, FewerTokensThanChunksGoWhereTheTextReachesThem) {
  const std::vector<TextChunk> chunks = {{1, 1, {}}, {2, 1, {}}, {3, 1, {}}, {4, 1, {}}};
  EXPECT_EQ(tokens_per_chunk(chunks, 2), (std::vector<std::int64_t>{0, 1, 0, 1}));
  EXPECT_EQ(tokens_per_chunk(chunks, 4), (std::vector<std::int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(tokens_per_chunk(chunks, 6), (std::vector<std::int64_t>{2, 2, 1, 1}));
  EXPECT_EQ(tokens_per_chunk({}, 3), std::vector<std::int64_t>{});
}

TEST(ResponseStream, OllamaLinesGiveTextUsageAndServerTimings) {
  ResponseStream s(Api::ollama);
  EXPECT_TRUE(s.feed("{\"response\":\"a\",\"done\":false}\n{\"response\":\"b\",\"do", 4 * kMs));
  EXPECT_TRUE(s.feed("ne\":false}\n", 6 * kMs));
  EXPECT_FALSE(s.complete());
  EXPECT_TRUE(s.feed(R"({"response":"","done":true,"prompt_eval_count":12,"prompt_eval_duration":3000000,)"
                     R"("eval_count":2,"eval_duration":4000000})" "\n", 7 * kMs));
  EXPECT_TRUE(s.complete());
  RequestTiming t;
  s.account(t, 0);
  EXPECT_EQ(t.token_s, (std::vector<double>{0.004, 0.006}));
  EXPECT_EQ(t.prompt_tokens, 12);
  EXPECT_EQ(t.output_tokens, 2);
  EXPECT_DOUBLE_EQ(*t.server.prompt_ms, 3.0);
  EXPECT_DOUBLE_EQ(*t.server.predicted_ms, 4.0);
}

TEST(ResponseStream, BrokenPayloadsAreMalformedAndErrorObjectsAreStreamErrors) {
  ResponseStream bad_json(Api::openai_completions);
  EXPECT_FALSE(bad_json.feed(sse("{not json"), 1));
  EXPECT_EQ(bad_json.failure()->kind, error_kind::malformed_stream);
  ResponseStream not_object(Api::openai_chat);
  EXPECT_FALSE(not_object.feed(sse("[1,2]"), 1));
  EXPECT_EQ(not_object.failure()->kind, error_kind::malformed_stream);
  ResponseStream error(Api::openai_completions);
  EXPECT_FALSE(error.feed(sse(R"({"error":{"message":"out of memory"}})"), 1));
  EXPECT_EQ(error.failure()->kind, error_kind::stream_error);
  EXPECT_NE(error.failure()->message.find("out of memory"), std::string::npos);
  ResponseStream event(Api::openai_completions);
  EXPECT_FALSE(event.feed("event: error\ndata: boom\n\n", 1));
  EXPECT_EQ(event.failure()->kind, error_kind::stream_error);
  ResponseStream ollama(Api::ollama);
  EXPECT_FALSE(ollama.feed("{\"error\":\"model not found\"}\n", 1));
  EXPECT_EQ(ollama.failure()->kind, error_kind::stream_error);
}

TEST(ResponseStream, WithoutTheFinalChunkItIsNotComplete) {
  ResponseStream s(Api::openai_completions);
  EXPECT_TRUE(s.feed(sse(R"({"choices":[{"text":"a","finish_reason":null}]})"), 1));
  EXPECT_FALSE(s.complete());
  RequestTiming t;
  s.account(t, 0);
  EXPECT_EQ(t.output_tokens, 1);
  ResponseStream none(Api::openai_completions);
  none.account(t, 0);
  EXPECT_TRUE(std::isnan(t.first_token_s));
  EXPECT_TRUE(t.token_s.empty());
}

}  // namespace
}  // namespace memwall::backends
