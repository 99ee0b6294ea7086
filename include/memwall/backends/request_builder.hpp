#pragma once
// What every request of a load sends: the endpoint URL, the headers (with the API key read from
// its environment variable) and a JSON body per API. Also keeps that key out of error messages.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "memwall/backends/load.hpp"
#include "memwall/util/result.hpp"

namespace memwall::backends {

// The URL requests go to. A URL that already ends in the API's path is used as is; one ending in
// "/v1" gets "/completions" or "/chat/completions"; any other gets "/v1/completions",
// "/v1/chat/completions" or "/api/generate". Only http:// and https:// are accepted.
Result<std::string> endpoint_url(const std::string& base, Api api);

class RequestBuilder {
 public:
  // Errors: a bad URL, an API key variable that is unset or empty, extra_body not a JSON object,
  // a header without a colon.
  static Result<RequestBuilder> create(const EndpointConfig& endpoint);

  const std::string& url() const { return url_; }
  // "Name: value" lines, Authorization included.
  const std::vector<std::string>& headers() const { return headers_; }
  // A streamed request for `max_tokens` tokens after `prompt`.
  std::string body(std::string_view prompt, std::int64_t max_tokens) const;
  // `text` with every secret (the API key, values of credential headers) replaced by "<redacted>".
  std::string redact(std::string text) const;

 private:
  RequestBuilder() = default;

  Api api_ = Api::openai_completions;
  std::string url_;
  std::string model_;
  bool ignore_eos_ = true;
  nlohmann::json extra_body_;
  std::vector<std::string> headers_;
  std::vector<std::string> secrets_;
};

}  // namespace memwall::backends
