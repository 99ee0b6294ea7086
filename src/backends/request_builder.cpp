#include "memwall/backends/request_builder.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

namespace memwall::backends {
namespace {

using nlohmann::json;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Header names whose values are credentials: kept out of messages like the API key.
bool is_credential_header(std::string_view name) {
  const std::string n = lower(name);
  return n == "authorization" || n == "proxy-authorization" || n == "cookie" ||
         n.find("key") != std::string::npos || n.find("token") != std::string::npos ||
         n.find("secret") != std::string::npos;
}

}  // namespace

const char* api_name(Api api) {
  switch (api) {
    case Api::openai_completions: return "openai-completions";
    case Api::openai_chat: return "openai-chat";
    case Api::ollama: return "ollama";
  }
  return "?";
}

std::optional<Api> api_from_name(std::string_view name) {
  for (Api api : {Api::openai_completions, Api::openai_chat, Api::ollama}) {
    if (name == api_name(api)) return api;
  }
  return std::nullopt;
}

Result<std::string> endpoint_url(const std::string& base, Api api) {
  const std::string scheme = lower(base.substr(0, base.find("://")));
  if (base.find("://") == std::string::npos || (scheme != "http" && scheme != "https")) {
    return make_error("endpoint '{}': only http:// and https:// URLs are supported", base);
  }
  std::string url = base;
  while (ends_with(url, "/")) url.pop_back();
  const std::string_view path = api == Api::ollama ? "/api/generate"
                                : api == Api::openai_chat ? "/chat/completions"
                                                          : "/completions";
  if (ends_with(url, path)) return url;
  if (api != Api::ollama && ends_with(url, "/v1")) return url + std::string(path);
  return url + (api == Api::ollama ? "" : "/v1") + std::string(path);
}

Result<RequestBuilder> RequestBuilder::create(const EndpointConfig& endpoint) {
  RequestBuilder b;
  Result<std::string> url = endpoint_url(endpoint.url, endpoint.api);
  if (!url.ok()) return url.error();
  b.api_ = endpoint.api;
  b.url_ = std::move(url).value();
  b.model_ = endpoint.model;
  b.ignore_eos_ = endpoint.ignore_eos;
  if (!endpoint.extra_body.empty()) {
    b.extra_body_ = json::parse(endpoint.extra_body, nullptr, false);
    if (!b.extra_body_.is_object()) return make_error("extra body is not a JSON object: {}", endpoint.extra_body);
  }
  b.headers_ = {"Content-Type: application/json",
                endpoint.api == Api::ollama ? "Accept: application/x-ndjson" : "Accept: text/event-stream",
                "Expect:"};  // no 100-continue round trip for long prompts
  for (const std::string& h : endpoint.headers) {
    const std::size_t colon = h.find(':');
    if (colon == std::string::npos || trim(h.substr(0, colon)).empty()) {
      return make_error("header '{}' is not 'Name: value'", h.substr(0, h.find(':')));
    }
    const std::string_view value = trim(std::string_view(h).substr(colon + 1));
    if (is_credential_header(h.substr(0, colon)) && !value.empty()) b.secrets_.emplace_back(value);
    b.headers_.push_back(h);
  }
  if (!endpoint.api_key_env.empty()) {
    const char* key = std::getenv(endpoint.api_key_env.c_str());
    if (key == nullptr || *key == '\0') {
      return make_error("environment variable {} (the API key) is not set", endpoint.api_key_env);
    }
    b.secrets_.emplace_back(key);
    b.headers_.push_back(std::string("Authorization: Bearer ") + key);
  }
  // Longest first, so a secret containing another is redacted whole.
  std::sort(b.secrets_.begin(), b.secrets_.end(), [](const auto& x, const auto& y) { return x.size() > y.size(); });
  return b;
}

std::string RequestBuilder::body(std::string_view prompt, std::int64_t max_tokens) const {
  json j;
  j["model"] = model_;
  j["stream"] = true;
  if (api_ == Api::ollama) {
    // raw: the prompt as given, without the model's template, as the completions API does.
    j["prompt"] = prompt;
    j["raw"] = true;
    j["options"] = {{"num_predict", max_tokens}, {"temperature", 0}};
  } else {
    if (api_ == Api::openai_chat) {
      j["messages"] = json::array({{{"role", "user"}, {"content", prompt}}});
    } else {
      j["prompt"] = prompt;
    }
    j["max_tokens"] = max_tokens;
    j["temperature"] = 0;
    j["stream_options"] = {{"include_usage", true}};
    if (ignore_eos_) j["ignore_eos"] = true;
  }
  if (!extra_body_.is_null()) j.merge_patch(extra_body_);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string RequestBuilder::redact(std::string text) const {
  for (const std::string& secret : secrets_) {
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "<redacted>");
    }
  }
  return text;
}

}  // namespace memwall::backends
