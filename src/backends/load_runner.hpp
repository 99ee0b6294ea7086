#pragma once
// Runs one phase of a load (calibration, warm-up or the measured requests) on the event loop:
// releases requests as the arrival plan allows, drives the transfers, enforces the first-byte and
// idle timeouts, and records every request's timing in place.
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "memwall/backends/arrivals.hpp"
#include "memwall/backends/prompt.hpp"
#include "memwall/backends/request_builder.hpp"
#include "multi_loop.hpp"
#include "transfer.hpp"

namespace memwall::backends {

struct PlannedRequest {
  char tag = 'r';             // prompt identifier: 'r' load requests, 'c' calibration
  std::int64_t index = 0;     // unique within the tag
  std::int64_t words = 1;
  std::int64_t max_tokens = 1;
  std::int64_t prompt_tokens_estimate = 0;  // recorded when the server reports no usage
  bool warmup = false;
};

struct RunnerContext {
  const RequestBuilder* builder = nullptr;
  Api api = Api::openai_completions;
  ConnectionOptions connection;
  Timeouts timeouts;
  const Clock* clock = nullptr;
  const std::atomic<bool>* stop = nullptr;
  std::int64_t start_ns = 0;
  std::uint64_t seed = 1;
  // The host is under .invalid (RFC 6761): it never resolves, so requests fail without a lookup.
  bool unresolvable = false;
};

class LoadRunner {
 public:
  LoadRunner(RunnerContext context, std::unique_ptr<MultiLoop> loop);
  ~LoadRunner();
  LoadRunner(const LoadRunner&) = delete;
  LoadRunner& operator=(const LoadRunner&) = delete;

  // Runs `plans` as `arrivals` releases them; out[i] is plans[i]'s timing. Returns how many were
  // sent: all of them, unless *stop was set (then open ones are cancelled, the rest never sent).
  std::size_t run_phase(const std::vector<PlannedRequest>& plans, Arrivals arrivals,
                        std::vector<RequestTiming>& out);
  std::int64_t peak_in_flight() const { return peak_in_flight_; }

 private:
  struct Open {
    std::unique_ptr<Transfer> transfer;
    std::size_t request;
    std::int64_t prompt_tokens_estimate;
  };

  bool stopped() const { return context_.stop != nullptr && context_.stop->load(std::memory_order_relaxed); }
  // Sends one request; false when it failed before reaching libcurl (it is then recorded).
  bool launch(const PlannedRequest& plan, const Release& release, std::vector<RequestTiming>& out);
  void complete(CURL* easy, CURLcode code, std::vector<RequestTiming>& out);
  void end(std::size_t slot, CURLcode code, std::vector<RequestTiming>& out);
  // Aborts transfers past their first-byte or idle timeout; returns how many.
  std::size_t sweep(std::int64_t now_ns, std::vector<RequestTiming>& out);
  void cancel_all(std::vector<RequestTiming>& out);

  RunnerContext context_;
  std::unique_ptr<MultiLoop> loop_;
  PromptMaker prompts_;
  std::vector<Open> open_;
  std::vector<CURL*> idle_handles_;  // reused, so their connections stay alive
  std::int64_t peak_in_flight_ = 0;
};

}  // namespace memwall::backends
