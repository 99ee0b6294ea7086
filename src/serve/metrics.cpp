#include "memwall/serve/metrics.hpp"

#include <fmt/format.h>

namespace memwall::serve {
namespace {

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void sample(std::string& out, std::string_view name, std::string_view type, std::string_view help, double value) {
  family(out, name, type, help);
  out += fmt::format("{} {}\n", name, value);
}

}  // namespace

void ServeMetrics::count_request(const std::string& endpoint, int status) {
  const std::lock_guard lock(mutex_);
  ++requests_[{endpoint, status}];
}

void ServeMetrics::record_step(std::int64_t sequences, std::int64_t tokens, std::int64_t duration_ns) {
  batch_size_ = sequences;
  ++steps_;
  step_sequences_ += sequences;
  step_tokens_ += tokens;
  step_ns_ += duration_ns;
}

void ServeMetrics::add_time_to_first_token(double seconds) {
  ++ttft_count_;
  ttft_ns_ += static_cast<std::int64_t>(seconds * 1e9);
}

std::string ServeMetrics::render() const {
  std::string out;
  family(out, "memwall_requests_total", "counter", "HTTP requests answered, by endpoint and status code.");
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [key, n] : requests_) {
      out += fmt::format("memwall_requests_total{{endpoint=\"{}\",code=\"{}\"}} {}\n", key.first, key.second, n);
    }
  }
  sample(out, "memwall_prompt_tokens_total", "counter", "Prompt tokens admitted to the engine.", static_cast<double>(prompt_tokens_.load()));
  sample(out, "memwall_generation_tokens_total", "counter", "Tokens generated.", static_cast<double>(generated_tokens_.load()));
  sample(out, "memwall_requests_waiting", "gauge", "Requests queued for a place in the batch.", static_cast<double>(waiting_.load()));
  sample(out, "memwall_requests_running", "gauge", "Sequences in the engine's batch.", static_cast<double>(running_.load()));
  sample(out, "memwall_batch_size", "gauge", "Sequences the latest engine step advanced.", static_cast<double>(batch_size_.load()));
  sample(out, "memwall_engine_steps_total", "counter", "Engine steps (one pass over the weights each).", static_cast<double>(steps_.load()));
  sample(out, "memwall_engine_step_sequences_total", "counter",
         "Sum over steps of the sequences advanced (divide by steps for the mean batch size).",
         static_cast<double>(step_sequences_.load()));
  sample(out, "memwall_engine_step_tokens_total", "counter", "Tokens (decode and prefill) processed by engine steps.",
         static_cast<double>(step_tokens_.load()));
  sample(out, "memwall_engine_step_seconds_total", "counter", "Time spent in engine steps.", static_cast<double>(step_ns_.load()) * 1e-9);
  family(out, "memwall_time_to_first_token_seconds", "summary", "Submission to first generated token.");
  out += fmt::format("memwall_time_to_first_token_seconds_sum {}\nmemwall_time_to_first_token_seconds_count {}\n",
                     static_cast<double>(ttft_ns_.load()) * 1e-9, ttft_count_.load());
  return out;
}

}  // namespace memwall::serve
