#include "memwall/serve/openai_protocol.hpp"

#include <gtest/gtest.h>

namespace memwall::serve {
namespace {

using nlohmann::json;

const RequestLimits kLimits{100, 16};

CompletionRequest ok(std::string_view body, Endpoint endpoint = Endpoint::completions) {
  auto parsed = parse_completion_request(body, endpoint, kLimits);
  EXPECT_TRUE(std::holds_alternative<CompletionRequest>(parsed))
      << (std::holds_alternative<ApiError>(parsed) ? std::get<ApiError>(parsed).message : "");
  return std::holds_alternative<CompletionRequest>(parsed) ? std::get<CompletionRequest>(parsed) : CompletionRequest{};
}

ApiError bad(std::string_view body, Endpoint endpoint = Endpoint::completions) {
  auto parsed = parse_completion_request(body, endpoint, kLimits);
  EXPECT_TRUE(std::holds_alternative<ApiError>(parsed)) << body;
  return std::holds_alternative<ApiError>(parsed) ? std::get<ApiError>(parsed) : ApiError{};
}

TEST(OpenAiProtocol, ParsesCompletionRequests) {
  const CompletionRequest r = ok(R"({"model":"m","prompt":"hi","max_tokens":5,"stream":true,
                                     "stream_options":{"include_usage":true},"ignore_eos":true,"temperature":0.7})");
  EXPECT_EQ(r.prompt, "hi");
  EXPECT_EQ(r.max_tokens, 5);
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_TRUE(r.ignore_eos);
  EXPECT_EQ(ok(R"({"prompt":["one"]})").prompt, "one");
  EXPECT_EQ(ok(R"({"prompt":[1,2,3]})").prompt_tokens, (std::vector<std::int32_t>{1, 2, 3}));
  EXPECT_EQ(ok(R"({"prompt":"x"})").max_tokens, 16);  // the default
  EXPECT_FALSE(ok(R"({"prompt":"x"})").stream);
}

TEST(OpenAiProtocol, ParsesChatRequestsIntoThePlainTemplate) {
  const CompletionRequest r = ok(R"({"messages":[{"role":"system","content":"be brief"},
                                                 {"role":"user","content":[{"type":"text","text":"hello"}]}],
                                     "max_completion_tokens":9})",
                                 Endpoint::chat);
  EXPECT_EQ(r.prompt, "<|system|>\nbe brief\n<|user|>\nhello\n<|assistant|>\n");
  EXPECT_EQ(r.max_tokens, 9);
}

TEST(OpenAiProtocol, BadRequestsGetA400ThatNamesTheParameter) {
  EXPECT_EQ(bad("{not json").status, 400);
  EXPECT_EQ(bad("[1]").status, 400);
  EXPECT_EQ(bad("{}").param, "prompt");
  EXPECT_EQ(bad(R"({"prompt":5})").param, "prompt");
  EXPECT_EQ(bad(R"({"prompt":["a","b"]})").message, "only one prompt per request is supported");
  EXPECT_EQ(bad(R"({"prompt":"x","max_tokens":0})").param, "max_tokens");
  EXPECT_EQ(bad(R"({"prompt":"x","max_tokens":101})").param, "max_tokens");
  EXPECT_EQ(bad(R"({"prompt":"x","max_tokens":"5"})").param, "max_tokens");
  EXPECT_EQ(bad(R"({"prompt":"x","stream":"yes"})").param, "stream");
  EXPECT_EQ(bad(R"({"prompt":"x","n":2})").param, "n");
  EXPECT_EQ(bad(R"({"prompt":"x","model":null})").param, "model");
  EXPECT_EQ(bad(R"({"prompt":"x","temperature":"hot"})").param, "temperature");
  EXPECT_EQ(bad(R"({"messages":[]})", Endpoint::chat).param, "messages");
  EXPECT_EQ(bad(R"({"messages":[{"content":"no role"}]})", Endpoint::chat).param, "messages");
  EXPECT_EQ(bad(R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})", Endpoint::chat).param, "messages");
  const json e = error_json(bad(R"({"prompt":1})"));
  EXPECT_EQ(e["error"]["type"], "invalid_request_error");
  EXPECT_EQ(e["error"]["param"], "prompt");
  EXPECT_TRUE(e["error"]["code"].is_null());
  EXPECT_FALSE(e["error"]["message"].get<std::string>().empty());
}

TEST(OpenAiProtocol, ChunksAndResponsesHaveTheOpenAiShape) {
  const ResponseIds ids{"cmpl-1", 1700000000, "m"};
  const json text = stream_chunk(Endpoint::completions, ids, "hi", std::nullopt);
  EXPECT_EQ(text["object"], "text_completion");
  EXPECT_EQ(text["choices"][0]["text"], "hi");
  EXPECT_TRUE(text["choices"][0]["finish_reason"].is_null());
  const json chat = stream_chunk(Endpoint::chat, ids, "hi", std::nullopt);
  EXPECT_EQ(chat["object"], "chat.completion.chunk");
  EXPECT_EQ(chat["choices"][0]["delta"]["content"], "hi");
  EXPECT_EQ(stream_chunk(Endpoint::chat, ids, "", "length")["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(role_chunk(ids)["choices"][0]["delta"]["role"], "assistant");
  const Usage usage{12, 3, 4.5, 2.0};
  const json u = usage_chunk(Endpoint::completions, ids, usage);
  EXPECT_TRUE(u["choices"].empty());
  EXPECT_EQ(u["usage"]["total_tokens"], 15);
  EXPECT_EQ(u["timings"]["prompt_n"], 12);
  const json whole = full_response(Endpoint::chat, ids, "abc", "stop", usage);
  EXPECT_EQ(whole["choices"][0]["message"]["content"], "abc");
  EXPECT_EQ(whole["usage"]["completion_tokens"], 3);
  EXPECT_EQ(sse_data(json{{"a", 1}}), "data: {\"a\":1}\n\n");
  EXPECT_EQ(sse_data(json{{"t", std::string("\xff")}}), "data: {\"t\":\"\xef\xbf\xbd\"}\n\n");  // replaced, no throw
}

}  // namespace
}  // namespace memwall::serve
