#pragma once
// What one request to a server did, as plain data: when it was scheduled, sent, when each output
// token arrived, how it ended. All times are seconds since the load's start on one steady clock,
// so the bench module turns them into TTFT, TPOT, ITL and E2E without knowing about HTTP.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memwall::backends {

// What the server itself reports about a request (llama-server's `timings`, Ollama's
// prompt_eval_count/prompt_eval_duration/eval_count/eval_duration), beside the client's clock.
struct ServerTimings {
  std::optional<std::int64_t> prompt_tokens;
  std::optional<double> prompt_ms;
  std::optional<std::int64_t> predicted_tokens;
  std::optional<double> predicted_ms;
};

// The kinds a failed request is counted under. A request has exactly one (or none: success).
namespace error_kind {
inline constexpr std::string_view connect_refused = "connect_refused";    // nothing listens there
inline constexpr std::string_view connect_failed = "connect_failed";      // unreachable, reset, ...
inline constexpr std::string_view dns = "dns";                            // the host name did not resolve
inline constexpr std::string_view connect_timeout = "connect_timeout";    // TCP (+TLS) took too long
inline constexpr std::string_view tls = "tls";                            // handshake or certificate
inline constexpr std::string_view first_byte_timeout = "first_byte_timeout";  // no response body in time
inline constexpr std::string_view idle_timeout = "idle_timeout";          // too long between two chunks
inline constexpr std::string_view http_4xx = "http_4xx";
inline constexpr std::string_view http_5xx = "http_5xx";
inline constexpr std::string_view http_other = "http_other";              // 1xx/3xx that did not resolve
inline constexpr std::string_view malformed_stream = "malformed_stream";  // bad SSE framing or JSON
inline constexpr std::string_view stream_error = "stream_error";          // the server sent an error object
inline constexpr std::string_view truncated_stream = "truncated_stream";  // ended cleanly, no final chunk
inline constexpr std::string_view closed_mid_stream = "closed_mid_stream";  // connection lost mid-response
inline constexpr std::string_view closed_before_response = "closed_before_response";  // closed, no reply
inline constexpr std::string_view cancelled = "cancelled";                // the load was stopped (Ctrl-C)
inline constexpr std::string_view transport = "transport";                // any other libcurl failure
}  // namespace error_kind

struct RequestTiming {
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

  double scheduled_s = 0;       // when the load wanted it sent (open loop: its Poisson arrival)
  double sent_s = 0;            // handed to the connection (later than scheduled when capped)
  // The first chunk that carries generated text reached this machine: the kernel's receive stamp of
  // its bytes when first_token_kernel_stamp, else the time the client read it (see ArrivalClock in
  // src/backends/arrival_clock.hpp).
  double first_token_s = kNone;
  double first_token_read_s = kNone;    // when the client read that chunk (>= first_token_s)
  bool first_token_kernel_stamp = false;
  // Arrival of every output token (the first chunk's as first_token_s, the others' read times); a
  // chunk of k tokens gives k entries.
  std::vector<double> token_s;
  double end_s = 0;             // the response ended (or failed)
  std::int64_t prompt_tokens = 0;   // the server's usage when given, else the calibrated estimate
  std::int64_t output_tokens = 0;   // the server's usage when given, else the text chunks
  bool usage_reported = false;      // prompt_tokens/output_tokens came from the server
  std::string error_kind;       // empty = success; else one of error_kind::*
  std::string error_message;    // human-readable detail; never holds the API key
  bool warmup = false;          // run before the measured window, excluded from it
  ServerTimings server;

  bool ok() const { return error_kind.empty(); }
};

}  // namespace memwall::backends
