// Every fault a server can commit is counted under its own kind, never as a success, and never
// stops the load; the API key never shows in what the load returns.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "fault_server.hpp"
#include "memwall/backends/load.hpp"

namespace memwall::backends {
namespace {

using testing::BlackholeListener;
using testing::FaultServer;

EndpointConfig endpoint(std::string url) {
  EndpointConfig e;
  e.url = std::move(url);
  e.model = std::string("m");
  e.proxy.emplace();  // never through a proxy from the environment: these servers are on loopback
  e.timeouts = {0.5, 0.3, 0.3};
  return e;
}

LoadSpec small_load(std::int64_t requests = 4) {
  LoadSpec s;
  s.concurrency = 2;
  s.requests = requests;
  s.prompt_tokens = 16;
  s.gen_tokens = 4;
  s.calibrate = false;
  return s;
}

LoadResult run(const EndpointConfig& e, const LoadSpec& s) {
  Result<LoadResult> r = run_load(e, s);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : LoadResult{};
}

void expect_all_failed_as(const LoadResult& r, std::string_view kind, std::int64_t n) {
  EXPECT_EQ(r.ok, 0) << kind;
  EXPECT_EQ(r.failed, n) << kind;
  ASSERT_EQ(r.errors.size(), 1u) << kind << ": " << (r.requests.empty() ? "" : r.requests[0].error_kind);
  EXPECT_EQ(r.errors.begin()->first, kind);
  EXPECT_EQ(r.errors.begin()->second, n);
  for (const RequestTiming& t : r.requests) {
    EXPECT_EQ(t.error_kind, kind) << t.error_message;
    EXPECT_FALSE(t.error_message.empty());
    EXPECT_GE(t.end_s, t.sent_s);
  }
}

TEST(Faults, AWellFormedStreamSucceedsWithTheServersUsage) {
  FaultServer server;
  const LoadResult r = run(endpoint(server.url("ok")), small_load(6));
  EXPECT_EQ(r.ok, 6);
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.requests.size(), 6u);
  for (const RequestTiming& t : r.requests) {
    EXPECT_TRUE(t.ok()) << t.error_kind << ": " << t.error_message;
    EXPECT_EQ(t.output_tokens, 4);
    EXPECT_EQ(t.prompt_tokens, 11);
    EXPECT_EQ(t.token_s.size(), 4u);
    EXPECT_LE(t.scheduled_s, t.sent_s);
    EXPECT_LE(t.sent_s, t.first_token_s);
    EXPECT_LE(t.token_s.back(), t.end_s);
  }
  EXPECT_LE(r.peak_in_flight, 2);
  EXPECT_LT(r.window_start_s, r.window_end_s);
}

TEST(Faults, OllamaJsonLinesSucceed) {
  FaultServer server;
  EndpointConfig e = endpoint(server.url("ollama_ok"));
  e.api = Api::ollama;
  const LoadResult r = run(e, small_load(2));
  EXPECT_EQ(r.ok, 2);
  ASSERT_EQ(r.requests.size(), 2u);
  EXPECT_EQ(r.requests[0].output_tokens, 3);
  EXPECT_EQ(r.requests[0].prompt_tokens, 9);
  EXPECT_DOUBLE_EQ(*r.requests[0].server.predicted_ms, 6.0);
}

TEST(Faults, EachFaultIsCountedAsItsKind) {
  FaultServer server;
  const std::vector<std::pair<std::string, std::string_view>> cases = {
      {"stall", error_kind::first_byte_timeout},   {"stall_mid", error_kind::idle_timeout},
      {"http_401", error_kind::http_4xx},          {"http_503", error_kind::http_5xx},
      {"malformed", error_kind::malformed_stream}, {"not_sse", error_kind::malformed_stream},
      {"stream_error", error_kind::stream_error},  {"truncated", error_kind::truncated_stream},
      {"close_mid", error_kind::closed_mid_stream}, {"close_early", error_kind::closed_before_response},
  };
  for (const auto& [fault, kind] : cases) {
    SCOPED_TRACE(fault);
    expect_all_failed_as(run(endpoint(server.url(fault)), small_load()), kind, 4);
  }
}

TEST(Faults, RefusedConnectionsAndUnresolvableHostsAreCounted) {
  expect_all_failed_as(run(endpoint(fmt::format("http://127.0.0.1:{}", testing::closed_port())), small_load()),
                       error_kind::connect_refused, 4);
  // .invalid never resolves (RFC 6761): no lookup, no network needed.
  expect_all_failed_as(run(endpoint("http://nonexistent.invalid:8080"), small_load()), error_kind::dns, 4);
}

TEST(Faults, AConnectionThatNeverCompletesTimesOut) {
  BlackholeListener blackhole;
  EndpointConfig e = endpoint(fmt::format("http://127.0.0.1:{}", blackhole.port()));
  e.timeouts = {0.2, 5, 5};
  expect_all_failed_as(run(e, small_load(2)), error_kind::connect_timeout, 2);
}

TEST(Faults, WarmupFailuresAreKeptApartFromTheMeasuredWindow) {
  FaultServer server;
  LoadSpec s = small_load(3);
  s.warmup_requests = 2;
  const LoadResult r = run(endpoint(server.url("http_503")), s);
  ASSERT_EQ(r.requests.size(), 5u);
  EXPECT_TRUE(r.requests[0].warmup && r.requests[1].warmup && !r.requests[2].warmup);
  EXPECT_EQ(r.warmup_failed, 2);
  EXPECT_EQ(r.failed, 3);
  EXPECT_GE(r.window_start_s, r.requests[1].end_s);  // the warm-up has ended before the window opens
}

TEST(Faults, TheApiKeyIsSentButNeverReturned) {
  const std::string key = "sk-memwall-test-7f3a9c2e5b";
  setenv("MEMWALL_TEST_API_KEY", key.c_str(), 1);
  FaultServer server;
  EndpointConfig e = endpoint(server.url("http_401"));  // its body echoes the request headers
  e.api_key_env = "MEMWALL_TEST_API_KEY";
  const LoadResult r = run(e, small_load(2));
  unsetenv("MEMWALL_TEST_API_KEY");
  expect_all_failed_as(r, error_kind::http_4xx, 2);
  bool sent = false;
  for (const std::string& head : server.heads()) sent |= head.find("Authorization: Bearer " + key) != std::string::npos;
  EXPECT_TRUE(sent);
  for (const RequestTiming& t : r.requests) {
    EXPECT_EQ(t.error_message.find(key), std::string::npos) << t.error_message;
    EXPECT_NE(t.error_message.find("<redacted>"), std::string::npos) << t.error_message;
  }
  EXPECT_EQ(r.calibration_error.find(key), std::string::npos);
}

TEST(Faults, StopFlagCancelsOpenStreamsAndDropsTheRest) {
  FaultServer server;
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop = true;
  });
  EndpointConfig e = endpoint(server.url("stall"));
  e.timeouts = {1, 30, 30};
  const Result<LoadResult> r = run_load(e, small_load(10), &stop);
  stopper.join();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->interrupted);
  ASSERT_EQ(r->requests.size(), 2u);  // the two users' first requests; the rest never sent
  for (const RequestTiming& t : r->requests) EXPECT_EQ(t.error_kind, error_kind::cancelled);
}

TEST(Faults, BadSpecsAreRefusedBeforeAnythingIsSent) {
  LoadSpec s = small_load();
  s.concurrency = 0;
  EXPECT_FALSE(run_load(endpoint("http://127.0.0.1:1"), s).ok());
  s = small_load();
  s.rate_per_s = -1;
  EXPECT_FALSE(run_load(endpoint("http://127.0.0.1:1"), s).ok());
  EXPECT_FALSE(run_load(endpoint("ftp://127.0.0.1:1"), small_load()).ok());
}

}  // namespace
}  // namespace memwall::backends
