// The client against the fast streaming server (a separate process): closed and open loops, many
// streams, calibration, and time stamps that agree with the server's.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <map>
#include <memory>

#include "child_process.hpp"
#include "fast_server_stamps.hpp"
#include "memwall/backends/load.hpp"

namespace memwall::backends {
namespace {

class FastServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Chunks 2 ms apart: a stream lasts long enough for every user to be in flight at once.
    server_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{MEMWALL_FAST_SERVER, "--interval-us", "2000"});
    const std::string line = server_->first_line(10'000);
    ASSERT_NE(testing::port_of(line), 0) << "fast server said: " << line;
    endpoint_.url = fmt::format("http://127.0.0.1:{}", testing::port_of(line));
    endpoint_.model = "fast";
    endpoint_.proxy.emplace();
  }
  void TearDown() override { server_->stop(SIGTERM, 5'000); }

  std::unique_ptr<testing::ChildProcess> server_;
  EndpointConfig endpoint_;
};

TEST_F(FastServerTest, ClosedLoopWithCalibratedPrompts) {
  LoadSpec s;
  s.concurrency = 64;
  s.requests = 256;
  s.warmup_requests = 64;
  s.prompt_tokens = 100;
  s.gen_tokens = 8;
  const Result<LoadResult> r = run_load(endpoint_, s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->ok, 256);
  EXPECT_TRUE(r->errors.empty());
  EXPECT_TRUE(r->calibrated) << r->calibration_error;
  EXPECT_NEAR(r->tokens_per_word, 1.0, 1e-9);  // the fast server counts words as tokens
  EXPECT_EQ(r->peak_in_flight, 64);
  ASSERT_EQ(r->requests.size(), 320u);
  for (const RequestTiming& t : r->requests) {
    ASSERT_TRUE(t.ok()) << t.error_kind << ": " << t.error_message;
    EXPECT_EQ(t.prompt_tokens, 100);
    EXPECT_EQ(t.output_tokens, 8);
    EXPECT_EQ(t.token_s.size(), 8u);
    EXPECT_TRUE(std::is_sorted(t.token_s.begin(), t.token_s.end()));
  }
}

// On the steady clock the first token carries the kernel's receive stamp: after the server took
// its send time, and no later than the client read it.
TEST_F(FastServerTest, FirstTokensAreStampedBetweenTheServersSendAndTheClientsRead) {
  LoadSpec s;
  s.concurrency = 32;
  s.requests = 128;
  s.prompt_tokens = 10;
  s.gen_tokens = 4;
  s.calibrate = false;
  const Result<LoadResult> r = run_load(endpoint_, s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->ok, 128);
  const std::map<std::int64_t, std::int64_t> sent = testing::fast_server_send_ns(endpoint_.url);
  std::int64_t kernel_stamped = 0;
  for (std::size_t i = 0; i < r->requests.size(); ++i) {
    const RequestTiming& t = r->requests[i];
    EXPECT_LE(t.sent_s, t.first_token_s);
    EXPECT_LE(t.first_token_s, t.first_token_read_s);
    EXPECT_DOUBLE_EQ(t.token_s.front(), t.first_token_s);
    if (!t.first_token_kernel_stamp) {
      EXPECT_EQ(t.first_token_s, t.first_token_read_s);
      continue;
    }
    ++kernel_stamped;
    const auto server = sent.find(static_cast<std::int64_t>(i));
    ASSERT_NE(server, sent.end());
    const double first_token_ns = static_cast<double>(r->start_ns) + t.first_token_s * 1e9;
    EXPECT_GE(first_token_ns, static_cast<double>(server->second) - 1.0);  // 1 ns: the seconds' rounding
  }
  EXPECT_GT(kernel_stamped, 0);
}

TEST_F(FastServerTest, OpenLoopKeepsArrivalTimes) {
  LoadSpec s;
  s.rate_per_s = 400;
  s.concurrency = 0;
  s.requests = 200;
  s.prompt_tokens = 10;
  s.gen_tokens = 4;
  s.calibrate = false;
  const Result<LoadResult> r = run_load(endpoint_, s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->ok, 200);
  const double span_s = r->requests.back().scheduled_s - r->requests.front().scheduled_s;
  EXPECT_NEAR(span_s, 199.0 / 400.0, 0.25);  // Poisson: the span of 200 arrivals is 0.5 s give or take
  for (const RequestTiming& t : r->requests) {
    EXPECT_GE(t.sent_s, t.scheduled_s);
    EXPECT_LT(t.sent_s - t.scheduled_s, 0.1);  // sent when due: nothing caps them
  }
}

}  // namespace
}  // namespace memwall::backends
