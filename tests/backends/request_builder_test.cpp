#include "memwall/backends/request_builder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

namespace memwall::backends {
namespace {

using nlohmann::json;

TEST(EndpointUrl, AddsTheApiPathOnlyWhereMissing) {
  EXPECT_EQ(*endpoint_url("http://h:8080", Api::openai_completions), "http://h:8080/v1/completions");
  EXPECT_EQ(*endpoint_url("http://h:8080/", Api::openai_chat), "http://h:8080/v1/chat/completions");
  EXPECT_EQ(*endpoint_url("https://h/v1", Api::openai_chat), "https://h/v1/chat/completions");
  EXPECT_EQ(*endpoint_url("https://h/openai/v1/completions", Api::openai_completions), "https://h/openai/v1/completions");
  EXPECT_EQ(*endpoint_url("http://h:11434", Api::ollama), "http://h:11434/api/generate");
  EXPECT_FALSE(endpoint_url("ftp://h", Api::ollama).ok());
  EXPECT_FALSE(endpoint_url("localhost:8080", Api::ollama).ok());
}

TEST(RequestBuilder, BodiesAskForAStreamOfExactlyMaxTokens) {
  EndpointConfig e;
  e.url = "http://h";
  e.model = "m";
  const json completions = json::parse(RequestBuilder::create(e)->body("hi", 7));
  EXPECT_EQ(completions["prompt"], "hi");
  EXPECT_EQ(completions["max_tokens"], 7);
  EXPECT_EQ(completions["stream"], true);
  EXPECT_EQ(completions["stream_options"]["include_usage"], true);
  EXPECT_EQ(completions["ignore_eos"], true);
  EXPECT_EQ(completions["model"], "m");
  e.api = Api::openai_chat;
  e.ignore_eos = false;
  e.extra_body = R"({"stream_options":{"continuous_usage_stats":true},"top_k":1})";
  const json chat = json::parse(RequestBuilder::create(e)->body("hi", 7));
  EXPECT_EQ(chat["messages"][0]["content"], "hi");
  EXPECT_FALSE(chat.contains("ignore_eos"));
  EXPECT_EQ(chat["stream_options"]["include_usage"], true);  // merged, not replaced
  EXPECT_EQ(chat["stream_options"]["continuous_usage_stats"], true);
  EXPECT_EQ(chat["top_k"], 1);
  e.api = Api::ollama;
  const json ollama = json::parse(RequestBuilder::create(e)->body("hi", 7));
  EXPECT_EQ(ollama["options"]["num_predict"], 7);
  EXPECT_EQ(ollama["raw"], true);
  e.extra_body = "[1]";
  EXPECT_FALSE(RequestBuilder::create(e).ok());
}

TEST(RequestBuilder, ApiKeyComesFromTheEnvironmentAndIsRedacted) {
  setenv("MEMWALL_TEST_BUILDER_KEY", "sk-abc123secret", 1);
  EndpointConfig e;
  e.url = "http://h";
  e.model = "m";
  e.headers = {"X-Api-Key: other-secret-value", "X-Trace: 1"};
  e.api_key_env = "MEMWALL_TEST_BUILDER_KEY";
  Result<RequestBuilder> b = RequestBuilder::create(e);
  ASSERT_TRUE(b.ok()) << b.error().message;
  const auto& headers = b->headers();
  EXPECT_NE(std::find(headers.begin(), headers.end(), "Authorization: Bearer sk-abc123secret"), headers.end());
  EXPECT_EQ(b->redact("got sk-abc123secret and other-secret-value, trace 1"), "got <redacted> and <redacted>, trace 1");
  unsetenv("MEMWALL_TEST_BUILDER_KEY");
  const Result<RequestBuilder> missing = RequestBuilder::create(e);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("MEMWALL_TEST_BUILDER_KEY"), std::string::npos);
  e.api_key_env.clear();
  e.headers = {"no colon here"};
  EXPECT_FALSE(RequestBuilder::create(e).ok());
}

}  // namespace
}  // namespace memwall::backends
