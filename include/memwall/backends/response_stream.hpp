#pragma once
// One streamed response, decoded as its bytes arrive: which chunks carry generated text and when,
// the usage and timings the server reports, whether the final chunk came, and what broke if not.
// Knows the three wire formats; knows nothing about sockets, so it is tested byte by byte.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memwall/backends/load.hpp"
#include "memwall/backends/request_timing.hpp"
#include "memwall/backends/stream_parsers.hpp"

namespace memwall::backends {

struct TextChunk {
  std::int64_t t_ns = 0;        // when its bytes arrived
  std::int64_t text_bytes = 0;  // generated text it carries (content and reasoning)
  // The server's running completion_tokens after this chunk, when it reports usage per chunk
  // (vLLM's continuous_usage_stats).
  std::optional<std::int64_t> cumulative_tokens;
};

struct StreamFailure {
  std::string kind;  // error_kind::malformed_stream or error_kind::stream_error
  std::string message;
};

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

class ResponseStream {
 public:
  explicit ResponseStream(Api api) : api_(api) {}

  // Body bytes that arrived at t_ns. False once the stream is broken; failure() says how.
  bool feed(std::string_view bytes, std::int64_t t_ns);
  // The body has ended: a last line without its line break is judged too (an HTML page with no
  // newline is not an empty event stream). False when that breaks the stream.
  bool end(std::int64_t t_ns);
  // The stream said it is complete: `[DONE]` or a finish_reason (OpenAI), `"done": true` (Ollama).
  bool complete() const { return done_ || finish_seen_; }
  const std::optional<StreamFailure>& failure() const { return failure_; }
  const std::vector<TextChunk>& chunks() const { return chunks_; }
  const std::optional<Usage>& usage() const { return usage_; }
  const ServerTimings& server_timings() const { return timings_; }

  // The first text chunk's bytes are known to have reached this machine at t_ns, before they were
  // read: its tokens take that stamp, the read time is kept beside it. Ignored when t_ns is later
  // than the read, or there is no text yet.
  void restamp_first_text(std::int64_t t_ns);

  // Writes first_token_s (and first_token_read_s), token_s, output_tokens, usage and server timings
  // into `out`, times in seconds since start_ns. Without usage every text chunk counts as one token.
  void account(RequestTiming& out, std::int64_t start_ns) const;

 private:
  bool take_payload(std::string_view payload, std::int64_t t_ns);
  bool take_openai(std::string_view payload, std::int64_t t_ns);
  bool take_ollama(std::string_view payload, std::int64_t t_ns);
  bool fail(std::string_view kind, std::string message);

  Api api_;
  SseParser sse_;
  JsonLinesParser lines_;
  std::vector<SseEvent> events_;      // reused between feeds
  std::vector<std::string> payloads_;
  std::vector<TextChunk> chunks_;
  std::optional<Usage> usage_;
  ServerTimings timings_;
  std::int64_t first_text_read_ns_ = 0;  // when restamped: the first text chunk's read time
  bool done_ = false;
  bool finish_seen_ = false;
  std::optional<StreamFailure> failure_;
};

// How many of `total` output tokens each text chunk carried. With per-chunk running counts, their
// differences; when the counts agree with the chunks, one each; when the server reports more tokens
// than chunks, every chunk gets one and the rest go by text length (largest remainder); when fewer,
// the j-th token is placed at the chunk where the text reaches j/total of its length.
std::vector<std::int64_t> tokens_per_chunk(const std::vector<TextChunk>& chunks, std::int64_t total);

}  // namespace memwall::backends
