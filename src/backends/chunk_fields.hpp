#pragma once
// The fields of one streamed JSON chunk that the client reads, found in a single SAX pass: the
// whole payload is validated, but no document tree is built (a chunk arrives every few
// microseconds at full load, and building the tree cost most of the client's time per chunk).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace memwall::backends {

struct ChunkFields {
  bool valid_json = false;
  bool is_object = false;
  std::int64_t text_bytes = 0;          // OpenAI: choices[].text, choices[].delta.{content,
                                        // reasoning_content, reasoning}; Ollama: response, thinking
  bool bad_choice = false;              // a choices[] item that is not an object
  bool finish = false;                  // a non-null choices[].finish_reason
  bool has_error = false;               // a non-null top-level "error"
  std::string error_message;            // error.message, or error when it is a string
  bool done = false;                    // Ollama: "done": true
  bool has_usage = false;               // OpenAI: a "usage" object
  std::optional<std::int64_t> prompt_tokens, completion_tokens;  // usage.*
  // llama-server's timings.{prompt_n, prompt_ms, predicted_n, predicted_ms}, or Ollama's
  // prompt_eval_count, prompt_eval_duration (ns), eval_count, eval_duration (ns) at the top level.
  std::optional<double> prompt_n, prompt_ms, predicted_n, predicted_ms;
  std::optional<double> prompt_eval_count, prompt_eval_duration_ns, eval_count, eval_duration_ns;
  bool has_timings = false;
};

ChunkFields scan_chunk(std::string_view payload);

}  // namespace memwall::backends
