#pragma once
// libcurl's multi interface driven through its socket API from one epoll set: the cost of a wake-up
// is the sockets that are ready, not all the transfers open (curl_multi_perform walks every handle,
// which at thousands of streams costs more than the streams themselves).
#include <curl/curl.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "memwall/util/result.hpp"

namespace memwall::backends {

class MultiLoop {
 public:
  // `max_connections`: the connection cache, so every user's connection is kept alive.
  static Result<std::unique_ptr<MultiLoop>> create(long max_connections);
  ~MultiLoop();
  MultiLoop(const MultiLoop&) = delete;
  MultiLoop& operator=(const MultiLoop&) = delete;

  void add(CURL* easy);
  void remove(CURL* easy);
  // Waits at most wait_ns (steady clock) for a ready socket or libcurl's timer, lets libcurl act,
  // and appends the transfers that ended, with their results, to `done`.
  void poll(std::int64_t wait_ns, std::vector<std::pair<CURL*, CURLcode>>& done);

 private:
  MultiLoop(CURLM* multi, int epoll_fd) : multi_(multi), epoll_fd_(epoll_fd) {}
  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* self, void* socket_data);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  void act(curl_socket_t socket, int flags);

  CURLM* multi_;
  int epoll_fd_;
  std::int64_t timer_due_ns_ = -1;  // libcurl wants socket_action(TIMEOUT) then; -1 = no timer
  bool pwait2_ = true;              // epoll_pwait2 (ns timeouts) works on this kernel
};

}  // namespace memwall::backends
