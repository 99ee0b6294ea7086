#include "transfer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>

namespace memwall::backends {
namespace {

constexpr std::size_t kErrorBodyBytes = 512;

bool is_tls_error(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return true;
    default:
      return false;
  }
}

int on_socket_created(void* arrivals, curl_socket_t socket, curlsocktype) {
  static_cast<ArrivalClock*>(arrivals)->socket_opened(socket);
  return CURL_SOCKOPT_OK;
}

}  // namespace

CURL* make_easy(const ConnectionOptions& options, ArrivalClock& arrivals) {
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return nullptr;
  curl_easy_setopt(easy, CURLOPT_URL, options.url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, options.headers);
  if (options.resolve) curl_easy_setopt(easy, CURLOPT_RESOLVE, options.resolve);
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, options.connect_timeout_ms);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::on_write);
  curl_easy_setopt(easy, CURLOPT_SOCKOPTFUNCTION, &on_socket_created);
  curl_easy_setopt(easy, CURLOPT_SOCKOPTDATA, &arrivals);
  if (options.proxy) curl_easy_setopt(easy, CURLOPT_PROXY, options.proxy->c_str());
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  return easy;
}

void Transfer::start(CURL* easy, std::string body, std::int64_t sent_ns) {
  easy_ = easy;
  body_ = std::move(body);
  sent_ns_ = sent_ns;
  clock_.expect_first_text(easy);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body_.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_.size()));
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, this);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, curl_error_);
}

void Transfer::abort(std::string_view kind, std::string message) {
  if (!abort_) abort_ = StreamFailure{std::string(kind), std::move(message)};
}

std::size_t Transfer::on_write(char* data, std::size_t size, std::size_t n, void* self) {
  return static_cast<Transfer*>(self)->take(std::string_view(data, size * n));
}

std::size_t Transfer::take(std::string_view bytes) {
  const std::int64_t now_ns = std::max(clock_.read_ns(), sent_ns_);
  if (http_status_ == 0) curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &http_status_);
  last_body_ns_ = now_ns;
  if (http_status_ < 200 || http_status_ >= 300) {
    error_body_.append(bytes.substr(0, kErrorBodyBytes - std::min(error_body_.size(), kErrorBodyBytes)));
    return bytes.size();
  }
  const bool had_text = !stream_.chunks().empty();
  if (!stream_.feed(bytes, now_ns)) {
    abort_ = stream_.failure();
    return 0;  // libcurl ends the transfer with CURLE_WRITE_ERROR
  }
  if (!had_text && !stream_.chunks().empty()) clock_.first_text_read(easy_, *this);
  return bytes.size();
}

void Transfer::first_text_arrived(std::int64_t t_ns) {
  if (t_ns >= sent_ns_) stream_.restamp_first_text(t_ns);
}

void Transfer::classify(CURLcode code, std::string& kind, std::string& message) const {
  long os_errno = 0;
  curl_easy_getinfo(easy_, CURLINFO_OS_ERRNO, &os_errno);
  const std::string detail = curl_error_[0] ? std::string(curl_error_) : curl_easy_strerror(code);
  message = detail;
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      kind = error_kind::dns;
      return;
    case CURLE_COULDNT_CONNECT:
      kind = os_errno == ECONNREFUSED ? error_kind::connect_refused : error_kind::connect_failed;
      return;
    case CURLE_OPERATION_TIMEDOUT:  // memwall sets no overall timeout: only connecting times out
      kind = error_kind::connect_timeout;
      return;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      kind = http_status_ != 0 ? error_kind::closed_mid_stream : error_kind::closed_before_response;
      return;
    default:
      kind = is_tls_error(code) ? error_kind::tls : error_kind::transport;
  }
}

void Transfer::finish(CURLcode code, std::int64_t now_ns, std::int64_t start_ns, const RequestBuilder& builder,
                      RequestTiming& timing) {
  clock_.forget(easy_);
  long status = http_status_;
  if (status == 0) curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
  if (!abort_ && code == CURLE_OK && status >= 200 && status < 300 && !stream_.end(now_ns)) abort_ = stream_.failure();
  timing.sent_s = static_cast<double>(sent_ns_ - start_ns) * 1e-9;
  timing.end_s = static_cast<double>(now_ns - start_ns) * 1e-9;
  stream_.account(timing, start_ns);
  std::string kind, message;
  if (abort_) {
    kind = abort_->kind;
    message = abort_->message;
  } else if (status >= 400) {
    kind = status >= 500 ? error_kind::http_5xx : error_kind::http_4xx;
    message = fmt::format("HTTP {}: {}", status, error_body_);
  } else if (code != CURLE_OK) {
    classify(code, kind, message);
  } else if (status < 200 || status >= 300) {
    kind = error_kind::http_other;
    message = fmt::format("HTTP {}", status);
  } else if (!stream_.complete()) {
    kind = error_kind::truncated_stream;
    message = "the response ended without its final chunk";
  }
  timing.error_kind = std::move(kind);
  timing.error_message = builder.redact(std::move(message));
}

}  // namespace memwall::backends
