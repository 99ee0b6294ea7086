// memwall serve, started as the real binary on a free loopback port, driven by memwall's own client.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "child_process.hpp"
#include "memwall/backends/load.hpp"
#include "support/subprocess.hpp"

namespace memwall::serve {
namespace {

using nlohmann::json;

struct HttpReply {
  int status = 0;
  std::string body;
};

// One request on its own connection ("Connection: close"), read to the end.
HttpReply http(int port, std::string_view method, std::string_view path, std::string_view body = {}) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return {};
  }
  const std::string request = fmt::format(
      "{} {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
      method, path, body.size(), body);
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string reply;
  char bytes[4096];
  for (ssize_t n; (n = recv(fd, bytes, sizeof bytes, 0)) > 0;) reply.append(bytes, static_cast<std::size_t>(n));
  close(fd);
  HttpReply r;
  if (reply.size() > 12) r.status = std::stoi(reply.substr(9, 3));
  if (const std::size_t at = reply.find("\r\n\r\n"); at != std::string::npos) r.body = reply.substr(at + 4);
  return r;
}

class ServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::ChildProcess({MEMWALL_BINARY, "serve", "--model", "preset:tiny-llama", "--quant", "Q8_0",
                                         "--port", "0", "--threads", "1", "--max-concurrency", "8", "--context",
                                         "4096", "--max-tokens", "4000", "--max-body-bytes", "65536"});
    port_ = testing::port_of(server_->first_line(60'000));
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(port_, 0) << "memwall serve did not print its address"; }

  static backends::EndpointConfig endpoint(backends::Api api) {
    backends::EndpointConfig e;
    e.url = fmt::format("http://127.0.0.1:{}", port_);
    e.api = api;
    e.model = "preset:tiny-llama";
    e.proxy.emplace();
    e.timeouts = {5, 60, 30};
    return e;
  }

  static testing::ChildProcess* server_;
  static int port_;
};

testing::ChildProcess* ServeTest::server_ = nullptr;
int ServeTest::port_ = 0;

TEST_F(ServeTest, ClosedLoopOfCompletionsCountsExactly) {
  backends::LoadSpec s;
  s.concurrency = 4;
  s.requests = 12;
  s.warmup_requests = 4;
  s.prompt_tokens = 48;
  s.gen_tokens = 8;
  const Result<backends::LoadResult> r = backends::run_load(endpoint(backends::Api::openai_completions), s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->ok, 12);
  EXPECT_TRUE(r->errors.empty());
  EXPECT_TRUE(r->calibrated) << r->calibration_error;
  EXPECT_EQ(r->peak_in_flight, 4);
  double prompt_tokens = 0;
  for (const backends::RequestTiming& t : r->requests) {
    ASSERT_TRUE(t.ok()) << t.error_kind << ": " << t.error_message;
    EXPECT_TRUE(t.usage_reported);
    EXPECT_EQ(t.output_tokens, 8);
    EXPECT_EQ(t.token_s.size(), 8u);
    EXPECT_EQ(t.server.prompt_tokens, t.prompt_tokens);  // the server's count is what is recorded
    EXPECT_EQ(t.server.predicted_tokens, 8);             // and its own timings came through
    prompt_tokens += static_cast<double>(t.prompt_tokens);
  }
  // Sized through the calibration. The test vocabulary of 512 pieces spends 2 to 6 tokens on a
  // word, so single prompts scatter; their mean does not.
  EXPECT_NEAR(prompt_tokens / static_cast<double>(r->requests.size()), 48.0, 12.0);
  const std::string metrics = http(port_, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("memwall_requests_total{endpoint=\"/v1/completions\",code=\"200\"}"), std::string::npos);
  EXPECT_NE(metrics.find("memwall_batch_size"), std::string::npos);
}

TEST_F(ServeTest, ChatStreamsAndWholeResponses) {
  backends::LoadSpec s;
  s.concurrency = 2;
  s.requests = 4;
  s.prompt_tokens = 20;
  s.gen_tokens = 5;
  const Result<backends::LoadResult> r = backends::run_load(endpoint(backends::Api::openai_chat), s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->ok, 4) << (r->requests.empty() ? "" : r->requests[0].error_message);
  const HttpReply whole = http(port_, "POST", "/v1/chat/completions",
                               R"({"messages":[{"role":"user","content":"hello"}],"max_tokens":3,"ignore_eos":true})");
  ASSERT_EQ(whole.status, 200) << whole.body;
  const json j = json::parse(whole.body);
  EXPECT_EQ(j["usage"]["completion_tokens"], 3);
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_FALSE(j["choices"][0]["message"]["content"].get<std::string>().empty());
}

TEST_F(ServeTest, StatusEndpoints) {
  EXPECT_EQ(http(port_, "GET", "/health").status, 200);
  const HttpReply models = http(port_, "GET", "/v1/models");
  ASSERT_EQ(models.status, 200);
  EXPECT_EQ(json::parse(models.body)["data"][0]["id"], "preset:tiny-llama");
}

TEST_F(ServeTest, BadRequestsGetOpenAiErrors) {
  const auto expect_error = [](const HttpReply& r, int status, std::string_view param) {
    EXPECT_EQ(r.status, status) << r.body;
    const json j = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.body;
    EXPECT_FALSE(j["error"]["message"].get<std::string>().empty());
    if (!param.empty()) {
      EXPECT_EQ(j["error"]["param"], param);
    }
  };
  expect_error(http(port_, "POST", "/v1/completions", "{\"prompt\": \"unterminated"), 400, "");
  expect_error(http(port_, "POST", "/v1/completions", R"({"prompt":"x","max_tokens":-3})"), 400, "max_tokens");
  expect_error(http(port_, "POST", "/v1/completions", R"({"prompt":"x","max_tokens":4001})"), 400, "max_tokens");
  expect_error(http(port_, "POST", "/v1/completions", R"({"prompt":[600]})"), 400, "prompt");  // vocabulary is 512
  expect_error(http(port_, "POST", "/v1/chat/completions", R"({"messages":"hi"})"), 400, "messages");
  expect_error(http(port_, "POST", "/v1/completions", std::string(100000, ' ')), 413, "");
  expect_error(http(port_, "GET", "/v1/nothing"), 404, "");
}

// Runs last (gtest keeps declaration order): stops the shared server.
TEST_F(ServeTest, SigtermEndsOpenStreamsAndExitsCleanly) {
  backends::LoadSpec s;
  s.concurrency = 2;
  s.requests = 2;
  s.prompt_tokens = 8;
  s.gen_tokens = 3900;  // far longer than the test waits
  s.calibrate = false;
  Result<backends::LoadResult> r = make_error("not run");
  std::thread load([&] { r = backends::run_load(endpoint(backends::Api::openai_completions), s); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int exit_code = server_->stop(SIGTERM, 10'000);
  load.join();
  EXPECT_EQ(exit_code, 0);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->requests.size(), 2u);
  for (const backends::RequestTiming& t : r->requests) {
    EXPECT_EQ(t.error_kind, backends::error_kind::stream_error) << t.error_message;
    EXPECT_NE(t.error_message.find("shutting down"), std::string::npos) << t.error_message;
    EXPECT_FALSE(t.token_s.empty());  // it was mid-stream
  }
}

// The value of an unlabelled Prometheus sample, -1 when it is missing.
double metric_value(const std::string& text, const std::string& name) {
  const std::size_t at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 2));
}

// A prompt of P tokens under --prefill-budget 4 takes ceil(P / 4) steps of at most 4 tokens.
TEST(ServePrefillBudget, PromptsArePrefilledInChunksOfTheBudget) {
  testing::ChildProcess server({MEMWALL_BINARY, "serve", "--model", "preset:tiny-llama", "--port", "0", "--threads",
                                "1", "--prefill-budget", "4"});
  const int port = testing::port_of(server.first_line(60'000));
  ASSERT_NE(port, 0);
  const HttpReply reply = http(port, "POST", "/v1/completions", R"({"prompt": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18], "max_tokens": 1})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto prompt_tokens = json::parse(reply.body)["usage"]["prompt_tokens"].get<double>();
  const std::string metrics = http(port, "GET", "/metrics").body;
  const double steps = metric_value(metrics, "memwall_engine_steps_total");
  const double tokens = metric_value(metrics, "memwall_engine_step_tokens_total");
  EXPECT_EQ(tokens, prompt_tokens) << metrics;
  EXPECT_EQ(steps, std::ceil(prompt_tokens / 4)) << metrics;
  EXPECT_EQ(server.stop(SIGTERM, 10'000), 0);
}

TEST(ServePrefillBudget, OutsideItsRangeIsAUsageError) {
  for (const char* budget : {"0", "9000"}) {
    const auto r = testing::run_memwall({"serve", "--model", "preset:tiny-llama", "--prefill-budget", budget});
    EXPECT_EQ(r.exit_code, 2) << budget;
    EXPECT_NE(r.err.find("--prefill-budget"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace memwall::serve
