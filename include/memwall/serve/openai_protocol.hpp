#pragma once
// The OpenAI wire format memwall serve speaks: request bodies parsed and checked into plain data,
// and the JSON of responses, stream chunks and errors. No sockets here, so every case is a unit test.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace memwall::serve {

enum class Endpoint { completions, chat };

struct CompletionRequest {
  Endpoint endpoint = Endpoint::completions;
  std::string model;
  std::string prompt;                       // text; for chat, the conversation in the plain template
  std::vector<std::int32_t> prompt_tokens;  // a completions prompt given as token ids, instead of text
  std::int64_t max_tokens = 16;
  bool stream = false;
  bool include_usage = false;               // stream_options.include_usage
  bool ignore_eos = false;                  // generate max_tokens whatever the model says
};

struct RequestLimits {
  std::int64_t max_tokens = 4096;          // the most one request may ask for
  std::int64_t default_max_tokens = 16;    // when the request does not say (OpenAI's completions default)
};

// An error as OpenAI reports it: {"error": {"message", "type", "param", "code"}}.
struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // empty = null
  std::string code;   // empty = null
};

ApiError api_error(int status, std::string message, std::string type = "invalid_request_error",
                   std::string param = {}, std::string code = {});
nlohmann::json error_json(const ApiError& error);

// Parses a /v1/completions or /v1/chat/completions body. Accepted and ignored (generation is
// greedy): temperature, top_p, top_k, seed, stop, presence/frequency penalties, user, logit_bias.
std::variant<CompletionRequest, ApiError> parse_completion_request(std::string_view body, Endpoint endpoint,
                                                                   const RequestLimits& limits);

// The plain chat template: "<|role|>\ncontent\n" per message, then "<|assistant|>\n".
std::string chat_prompt(const nlohmann::json& messages);

// What a finished generation reports.
struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  double prompt_ms = 0;     // submission to first token (queue and prefill)
  double predicted_ms = 0;  // first token to last
};

struct ResponseIds {
  std::string id;          // "cmpl-7", "chatcmpl-7"
  std::int64_t created = 0;  // Unix seconds
  std::string model;
};

// A stream chunk carrying `text` (chat: as delta.content), or none with a finish reason.
nlohmann::json stream_chunk(Endpoint endpoint, const ResponseIds& ids, std::string_view text,
                            std::optional<std::string_view> finish_reason);
// The chat stream's first chunk: delta {"role": "assistant"}, no text (as OpenAI sends it).
nlohmann::json role_chunk(const ResponseIds& ids);
// The usage chunk after the last choice chunk when include_usage: "choices": [], "usage", and
// llama-server style "timings".
nlohmann::json usage_chunk(Endpoint endpoint, const ResponseIds& ids, const Usage& usage);
// A whole non-streamed response.
nlohmann::json full_response(Endpoint endpoint, const ResponseIds& ids, std::string_view text,
                             std::string_view finish_reason, const Usage& usage);
// "data: <json>\n\n", invalid UTF-8 replaced (a byte token may split a character).
std::string sse_data(const nlohmann::json& payload);
std::string dump_json(const nlohmann::json& payload);

}  // namespace memwall::serve
