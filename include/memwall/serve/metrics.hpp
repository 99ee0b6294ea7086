#pragma once
// Counters and gauges of `memwall serve`, rendered in the Prometheus text exposition format.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace memwall::serve {

class ServeMetrics {
 public:
  void count_request(const std::string& endpoint, int status);
  void add_prompt_tokens(std::int64_t n) { prompt_tokens_ += n; }
  void add_generated_tokens(std::int64_t n) { generated_tokens_ += n; }
  void set_waiting(std::int64_t n) { waiting_ = n; }
  void set_running(std::int64_t n) { running_ = n; }
  // One engine step: how many sequences it advanced and how long it took.
  void record_step(std::int64_t sequences, std::int64_t tokens, std::int64_t duration_ns);
  void add_time_to_first_token(double seconds);

  std::int64_t waiting() const { return waiting_; }
  std::int64_t running() const { return running_; }

  // The exposition text of every metric (memwall_*), with HELP and TYPE lines.
  std::string render() const;

 private:
  mutable std::mutex mutex_;  // guards requests_
  std::map<std::pair<std::string, int>, std::int64_t> requests_;
  std::atomic<std::int64_t> prompt_tokens_{0};
  std::atomic<std::int64_t> generated_tokens_{0};
  std::atomic<std::int64_t> waiting_{0};
  std::atomic<std::int64_t> running_{0};
  std::atomic<std::int64_t> batch_size_{0};
  std::atomic<std::int64_t> steps_{0};
  std::atomic<std::int64_t> step_sequences_{0};
  std::atomic<std::int64_t> step_tokens_{0};
  std::atomic<std::int64_t> step_ns_{0};
  std::atomic<std::int64_t> ttft_count_{0};
  std::atomic<std::int64_t> ttft_ns_{0};
};

}  // namespace memwall::serve
