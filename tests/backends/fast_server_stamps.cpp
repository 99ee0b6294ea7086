#include "fast_server_stamps.hpp"

#include <curl/curl.h>

#include <sstream>

namespace memwall::testing {
namespace {

std::size_t append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

std::map<std::int64_t, std::int64_t> fast_server_send_ns(const std::string& url) {
  std::string body;
  CURL* easy = curl_easy_init();
  curl_easy_setopt(easy, CURLOPT_URL, (url + "/stamps").c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &append);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_perform(easy);
  curl_easy_cleanup(easy);
  std::map<std::int64_t, std::int64_t> stamps;
  std::istringstream lines(body);
  for (std::int64_t index, ns; lines >> index >> ns;) stamps[index] = ns;
  return stamps;
}

}  // namespace memwall::testing
