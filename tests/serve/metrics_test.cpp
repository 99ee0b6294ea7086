#include "memwall/serve/metrics.hpp"

#include <gtest/gtest.h>

namespace memwall::serve {
namespace {

TEST(ServeMetrics, RendersPrometheusText) {
  ServeMetrics m;
  m.count_request("/v1/completions", 200);
  m.count_request("/v1/completions", 200);
  m.count_request("/v1/completions", 400);
  m.add_prompt_tokens(30);
  m.add_generated_tokens(7);
  m.set_waiting(3);
  m.record_step(4, 9, 2'000'000);
  m.record_step(2, 2, 1'000'000);
  const std::string text = m.render();
  EXPECT_NE(text.find("# TYPE memwall_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("memwall_requests_total{endpoint=\"/v1/completions\",code=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("memwall_requests_total{endpoint=\"/v1/completions\",code=\"400\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("memwall_prompt_tokens_total 30\n"), std::string::npos);
  EXPECT_NE(text.find("memwall_generation_tokens_total 7\n"), std::string::npos);
  EXPECT_NE(text.find("memwall_requests_waiting 3\n"), std::string::npos);
  EXPECT_NE(text.find("memwall_batch_size 2\n"), std::string::npos);
  EXPECT_NE(text.find("memwall_engine_steps_total 2\n"), std::string::npos);
  EXPECT_NE(text.find("memwall_engine_step_sequences_total 6\n"), std::string::npos);
  EXPECT_NE(text.find("memwall_engine_step_seconds_total 0.003\n"), std::string::npos);
  // Every sample line belongs to a family declared before it.
  std::string family;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    if (line.starts_with("# TYPE ")) family = line.substr(7, line.find(' ', 7) - 7);
    if (!line.starts_with("#")) {
      EXPECT_TRUE(line.starts_with(family)) << line;
    }
    at = end + 1;
  }
}

}  // namespace
}  // namespace memwall::serve
