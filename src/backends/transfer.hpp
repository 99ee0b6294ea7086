#pragma once
// One streamed request on a libcurl easy handle: its body, the decoding of its response as bytes
// arrive (stamped by the loop's arrival clock), and the classification of how it ended.
#include <curl/curl.h>

#include <cstdint>
#include <optional>
#include <string>

#include "memwall/backends/request_builder.hpp"
#include "memwall/backends/request_timing.hpp"
#include "memwall/backends/response_stream.hpp"
#include "multi_loop.hpp"

namespace memwall::backends {

// What every easy handle of a load shares.
struct ConnectionOptions {
  std::string url;
  curl_slist* headers = nullptr;
  curl_slist* resolve = nullptr;  // a pre-resolved "host:port:address", or null
  long connect_timeout_ms = 10'000;
  std::optional<std::string> proxy;
  bool verify_tls = true;
};

// A handle set up with everything but the request itself; null when libcurl cannot make one.
// The sockets it opens are announced to `arrivals` (kernel receive stamps, when it uses them).
CURL* make_easy(const ConnectionOptions& options, ArrivalClock& arrivals);

class Transfer final : public FirstTextSink {
 public:
  Transfer(Api api, ArrivalClock& clock) : clock_(clock), stream_(api) {}
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  // Points `easy` at this request; `sent_ns` on the load's clock.
  void start(CURL* easy, std::string body, std::int64_t sent_ns);
  // Ends it from outside libcurl (a timeout, Ctrl-C); the caller removes the handle.
  void abort(std::string_view kind, std::string message);
  // Writes how it went into `timing`: times relative to start_ns, error kind and a message
  // with every secret redacted.
  void finish(CURLcode code, std::int64_t now_ns, std::int64_t start_ns, const RequestBuilder& builder,
              RequestTiming& timing);

  // libcurl's write callback (CURLOPT_WRITEFUNCTION of every handle); `self` is the Transfer.
  static std::size_t on_write(char* data, std::size_t size, std::size_t n, void* self);

  CURL* easy() const { return easy_; }
  std::int64_t sent_ns() const { return sent_ns_; }
  std::int64_t last_body_ns() const { return last_body_ns_; }  // 0 before the body starts

  std::size_t slot = 0;  // the runner's bookkeeping: where it keeps this transfer

  // The first text's bytes reached this machine at t_ns (kept when not before the request went out).
  void first_text_arrived(std::int64_t t_ns) override;

 private:
  std::size_t take(std::string_view bytes);
  void classify(CURLcode code, std::string& kind, std::string& message) const;

  ArrivalClock& clock_;
  ResponseStream stream_;
  CURL* easy_ = nullptr;
  std::string body_;
  std::int64_t sent_ns_ = 0;
  std::int64_t last_body_ns_ = 0;
  long http_status_ = 0;
  std::string error_body_;  // the start of a non-2xx response, for the message
  std::optional<StreamFailure> abort_;
  char curl_error_[CURL_ERROR_SIZE] = {};
};

}  // namespace memwall::backends
