#include "memwall/serve/openai_protocol.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace memwall::serve {
namespace {

using nlohmann::json;

ApiError bad(std::string message, std::string param = {}) {
  return api_error(400, std::move(message), "invalid_request_error", std::move(param));
}

const char* object_name(Endpoint endpoint, bool chunk) {
  if (endpoint == Endpoint::chat) return chunk ? "chat.completion.chunk" : "chat.completion";
  return "text_completion";
}

json usage_json(const Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens}};
}

// llama-server's "timings" object, so clients that read server-side timings find them here too.
json timings_json(const Usage& u) {
  return {{"prompt_n", u.prompt_tokens},
          {"prompt_ms", u.prompt_ms},
          {"predicted_n", u.completion_tokens},
          {"predicted_ms", u.predicted_ms}};
}

json base(Endpoint endpoint, const ResponseIds& ids, bool chunk) {
  return {{"id", ids.id}, {"object", object_name(endpoint, chunk)}, {"created", ids.created}, {"model", ids.model}};
}

// The completions prompt: a string, one string in an array, token ids, or one array of token ids.
std::optional<ApiError> read_prompt(const json& prompt, CompletionRequest& out) {
  const json* p = &prompt;
  if (p->is_array() && p->size() == 1 && ((*p)[0].is_string() || (*p)[0].is_array())) p = &(*p)[0];
  if (p->is_string()) {
    out.prompt = p->get<std::string>();
    return std::nullopt;
  }
  if (p->is_array() && !p->empty() && ((*p)[0].is_string() || (*p)[0].is_array())) {
    return bad("only one prompt per request is supported", "prompt");
  }
  if (p->is_array() && !p->empty()) {
    for (const json& t : *p) {
      if (!t.is_number_integer() || t.get<std::int64_t>() < 0 || t.get<std::int64_t>() > INT32_MAX) {
        return bad("'prompt' must be a string, or an array of token ids", "prompt");
      }
      out.prompt_tokens.push_back(t.get<std::int32_t>());
    }
    return std::nullopt;
  }
  return bad("'prompt' must be a string, or an array of token ids", "prompt");
}

std::optional<std::string> message_text(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  if (content.is_null()) return std::string();
  if (!content.is_array()) return std::nullopt;
  std::string text;
  for (const json& part : content) {
    if (!part.is_object()) return std::nullopt;
    const auto type = part.find("type");
    const auto part_text = part.find("text");
    if (type == part.end() || *type != "text" || part_text == part.end() || !part_text->is_string()) return std::nullopt;
    text += part_text->get<std::string>();
  }
  return text;
}

std::optional<ApiError> read_messages(const json& messages, CompletionRequest& out) {
  if (!messages.is_array() || messages.empty()) return bad("'messages' must be a non-empty array", "messages");
  for (const json& m : messages) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
      return bad("every message needs a string 'role'", "messages");
    }
    if (!message_text(m.value("content", json())).has_value()) {
      return bad("a message's 'content' must be a string or an array of text parts", "messages");
    }
  }
  out.prompt = chat_prompt(messages);
  return std::nullopt;
}

std::optional<ApiError> read_max_tokens(const json& j, Endpoint endpoint, const RequestLimits& limits,
                                        CompletionRequest& out) {
  const char* key = endpoint == Endpoint::chat && j.contains("max_completion_tokens") ? "max_completion_tokens"
                                                                                      : "max_tokens";
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    out.max_tokens = limits.default_max_tokens;
    return std::nullopt;
  }
  if (!it->is_number_integer() || it->get<std::int64_t>() < 1) return bad(fmt::format("'{}' must be an integer >= 1", key), key);
  if (it->get<std::int64_t>() > limits.max_tokens) {
    return bad(fmt::format("'{}' is {}; this server allows at most {}", key, it->get<std::int64_t>(), limits.max_tokens), key);
  }
  out.max_tokens = it->get<std::int64_t>();
  return std::nullopt;
}

// Type checks of the fields memwall reads or ignores.
std::optional<ApiError> check_types(const json& j) {
  for (const char* key : {"stream", "ignore_eos", "echo"}) {
    if (j.contains(key) && !j[key].is_boolean() && !j[key].is_null()) return bad(fmt::format("'{}' must be a boolean", key), key);
  }
  for (const char* key : {"temperature", "top_p", "presence_penalty", "frequency_penalty"}) {
    if (j.contains(key) && !j[key].is_number() && !j[key].is_null()) return bad(fmt::format("'{}' must be a number", key), key);
  }
  if (j.contains("model") && !j["model"].is_string()) return bad("'model' must be a string", "model");
  if (j.contains("n") && !(j["n"].is_number_integer() && j["n"].get<std::int64_t>() == 1) && !j["n"].is_null()) {
    return bad("only n = 1 is supported", "n");
  }
  if (j.contains("stream_options") && !j["stream_options"].is_object() && !j["stream_options"].is_null()) {
    return bad("'stream_options' must be an object", "stream_options");
  }
  if (j.contains("echo") && j["echo"].is_boolean() && j["echo"].get<bool>()) return bad("'echo' is not supported", "echo");
  return std::nullopt;
}

}  // namespace

ApiError api_error(int status, std::string message, std::string type, std::string param, std::string code) {
  ApiError e;
  e.status = status;
  e.message = std::move(message);
  e.type = std::move(type);
  e.param = std::move(param);
  e.code = std::move(code);
  return e;
}

json error_json(const ApiError& e) {
  return {{"error",
           {{"message", e.message},
            {"type", e.type},
            {"param", e.param.empty() ? json() : json(e.param)},
            {"code", e.code.empty() ? json() : json(e.code)}}}};
}

std::string chat_prompt(const json& messages) {
  std::string prompt;
  for (const json& m : messages) {
    prompt += fmt::format("<|{}|>\n{}\n", m["role"].get<std::string>(), message_text(m.value("content", json())).value_or(""));
  }
  return prompt + "<|assistant|>\n";
}

std::variant<CompletionRequest, ApiError> parse_completion_request(std::string_view body, Endpoint endpoint,
                                                                   const RequestLimits& limits) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return bad("the request body is not valid JSON");
  if (!j.is_object()) return bad("the request body must be a JSON object");
  if (std::optional<ApiError> e = check_types(j)) return *e;
  CompletionRequest out;
  out.endpoint = endpoint;
  out.model = j.value("model", "");
  if (endpoint == Endpoint::completions) {
    if (!j.contains("prompt")) return bad("'prompt' is required", "prompt");
    if (std::optional<ApiError> e = read_prompt(j["prompt"], out)) return *e;
  } else {
    if (!j.contains("messages")) return bad("'messages' is required", "messages");
    if (std::optional<ApiError> e = read_messages(j["messages"], out)) return *e;
  }
  if (std::optional<ApiError> e = read_max_tokens(j, endpoint, limits, out)) return *e;
  out.stream = j.contains("stream") && j["stream"].is_boolean() && j["stream"].get<bool>();
  out.ignore_eos = j.contains("ignore_eos") && j["ignore_eos"].is_boolean() && j["ignore_eos"].get<bool>();
  if (const auto so = j.find("stream_options"); so != j.end() && so->is_object()) {
    const auto iu = so->find("include_usage");
    if (iu != so->end() && !iu->is_boolean()) return bad("'stream_options.include_usage' must be a boolean", "stream_options");
    out.include_usage = iu != so->end() && iu->get<bool>();
  }
  return out;
}

json stream_chunk(Endpoint endpoint, const ResponseIds& ids, std::string_view text,
                  std::optional<std::string_view> finish_reason) {
  json j = base(endpoint, ids, true);
  json choice = {{"index", 0}, {"finish_reason", finish_reason ? json(*finish_reason) : json()}};
  if (endpoint == Endpoint::chat) {
    choice["delta"] = text.empty() ? json::object() : json{{"content", text}};
  } else {
    choice["text"] = text;
    choice["logprobs"] = nullptr;
  }
  j["choices"] = json::array({std::move(choice)});
  return j;
}

json role_chunk(const ResponseIds& ids) {
  json j = base(Endpoint::chat, ids, true);
  j["choices"] = json::array({{{"index", 0}, {"delta", {{"role", "assistant"}, {"content", ""}}}, {"finish_reason", nullptr}}});
  return j;
}

json usage_chunk(Endpoint endpoint, const ResponseIds& ids, const Usage& usage) {
  json j = base(endpoint, ids, true);
  j["choices"] = json::array();
  j["usage"] = usage_json(usage);
  j["timings"] = timings_json(usage);
  return j;
}

json full_response(Endpoint endpoint, const ResponseIds& ids, std::string_view text, std::string_view finish_reason,
                   const Usage& usage) {
  json j = base(endpoint, ids, false);
  json choice = {{"index", 0}, {"finish_reason", finish_reason}};
  if (endpoint == Endpoint::chat) {
    choice["message"] = {{"role", "assistant"}, {"content", text}};
  } else {
    choice["text"] = text;
    choice["logprobs"] = nullptr;
  }
  j["choices"] = json::array({std::move(choice)});
  j["usage"] = usage_json(usage);
  j["timings"] = timings_json(usage);
  return j;
}

std::string dump_json(const json& payload) { return payload.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string sse_data(const json& payload) { return "data: " + dump_json(payload) + "\n\n"; }

}  // namespace memwall::serve
