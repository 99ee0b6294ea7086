#pragma once
// Load on an OpenAI-compatible (or Ollama) server: closed-loop users or open-loop Poisson arrivals,
// thousands of concurrent streamed requests from one libcurl multi event loop on the calling thread.
// Every request's timing is recorded; failures are counted by kind and never end the run.
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "memwall/backends/request_timing.hpp"
#include "memwall/util/clock.hpp"
#include "memwall/util/result.hpp"

namespace memwall::backends {

enum class Api {
  openai_completions,  // POST {base}/v1/completions, SSE
  openai_chat,         // POST {base}/v1/chat/completions, SSE
  ollama,              // POST {base}/api/generate, JSON lines
};

const char* api_name(Api api);  // "openai-completions", "openai-chat", "ollama"
std::optional<Api> api_from_name(std::string_view name);

struct Timeouts {
  double connect_s = 10;        // TCP connect plus TLS handshake (name resolution included)
  double first_byte_s = 300;    // from sending to the first byte of the response body
  double idle_s = 120;          // between two pieces of the body once it has started
};

struct EndpointConfig {
  // Base URL ("http://127.0.0.1:8080", "https://host/v1") or the full endpoint URL; see
  // endpoint_url() for how the API's path is added.
  std::string url;
  Api api = Api::openai_completions;
  std::string model;                  // the server's model name, sent in every request
  std::vector<std::string> headers;   // extra "Name: value" headers, sent as given
  // Name of the environment variable that holds the API key (sent as "Authorization: Bearer").
  // The key itself is read at the start of run_load, never printed, never stored in a result.
  std::string api_key_env;
  Timeouts timeouts;
  // Unset: libcurl's environment proxies (http_proxy, https_proxy, no_proxy). "" : no proxy.
  // Otherwise the proxy URL.
  std::optional<std::string> proxy;
  bool verify_tls = true;
  // Ask for exactly gen_tokens (llama-server, vLLM, SGLang and memwall serve honour ignore_eos).
  bool ignore_eos = true;
  // A JSON object merged (RFC 7386 merge patch) into every request body, for server-specific
  // fields, e.g. {"stream_options":{"continuous_usage_stats":true}}.
  std::string extra_body;
};

struct LoadSpec {
  // Closed loop: this many users, each sending its next request when its last one ends.
  // Open loop (rate_per_s set): a cap on requests in flight; 0 = none. Arrivals over the cap wait
  // in the client's queue, and that wait counts (scheduled_s < sent_s).
  std::int64_t concurrency = 1;
  std::optional<double> rate_per_s;  // open loop: Poisson arrivals at this mean rate
  std::int64_t requests = 16;        // measured requests
  std::int64_t warmup_requests = 0;  // sent first, in the same mode, and all finished before the window
  std::int64_t prompt_tokens = 128;  // target length of each prompt
  std::int64_t gen_tokens = 128;     // max_tokens of each request
  std::uint64_t seed = 1;            // prompts and arrival times
  // Measure the server's tokens per word with two short requests before the load, so prompts
  // come out near prompt_tokens; otherwise tokens_per_word is used as given.
  bool calibrate = true;
  double tokens_per_word = 1.3;
};

struct LoadResult {
  std::vector<RequestTiming> requests;  // warm-ups first, then measured ones, in scheduling order
  double window_start_s = 0;  // first measured request scheduled
  double window_end_s = 0;    // last measured request ended
  std::map<std::string, std::int64_t> errors;  // measured requests that failed, by kind
  std::int64_t ok = 0;        // measured requests that succeeded
  std::int64_t failed = 0;    // measured requests that failed
  std::int64_t warmup_failed = 0;
  std::int64_t peak_in_flight = 0;     // most streams open at once
  double tokens_per_word = 0;          // used to size the prompts
  double prompt_overhead_tokens = 0;   // tokens a prompt costs beyond its words (template, BOS, prefix)
  bool calibrated = false;
  std::string calibration_error;       // why calibration fell back to tokens_per_word, if it did
  std::int64_t start_ns = 0;           // the clock's reading at time 0 of every timestamp
  bool interrupted = false;            // *stop was set: unsent requests were dropped, open ones cancelled
};

// Errors (returned, nothing sent): an unsupported URL, a missing API key variable, extra_body not a
// JSON object, a spec with no users or requests. Failures of requests are in the result.
Result<LoadResult> run_load(const EndpointConfig& endpoint, const LoadSpec& spec, const Clock& clock,
                            const std::atomic<bool>* stop = nullptr);
Result<LoadResult> run_load(const EndpointConfig& endpoint, const LoadSpec& spec,
                            const std::atomic<bool>* stop = nullptr);

}  // namespace memwall::backends
