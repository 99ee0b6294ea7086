#pragma once
// What one request did, as any load generator sees it: the built-in engine driven by `bench`, or a
// server driven over HTTP. Plain data; the statistics are computed from it in one place (bench).
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace memwall::backends {

// What a server says about its own work, when it says (llama-server's `timings`, Ollama's counts
// and durations).
struct ServerTimings {
  std::optional<std::int64_t> prompt_tokens;
  std::optional<double> prompt_ms;
  std::optional<std::int64_t> predicted_tokens;
  std::optional<double> predicted_ms;
};

// All times in seconds since the load started, on one steady clock.
struct RequestTiming {
  double scheduled_s = 0;                // when it was due: its arrival (open loop) or its user's turn
  double sent_s = 0;                     // when it was submitted; sent_s - scheduled_s is queue time
  double first_token_s = std::nan("");  // the first generated token; NaN when none came
  std::vector<double> token_s;           // every output token's arrival (k tokens in one chunk: k entries)
  double end_s = 0;
  std::int64_t prompt_tokens = 0;        // actual
  std::int64_t output_tokens = 0;
  std::string error_kind;                // empty: success
  std::string error_message;
  bool warmup = false;                   // excluded from the statistics
  ServerTimings server;

  bool ok() const { return error_kind.empty(); }
};

}  // namespace memwall::backends
