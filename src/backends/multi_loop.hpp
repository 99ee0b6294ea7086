#pragma once
// libcurl's multi interface driven through its socket API from one epoll set: the cost of a wake-up
// is the sockets that are ready, not all the transfers open (curl_multi_perform walks every handle,
// which at thousands of streams costs more than the streams themselves).
#include <curl/curl.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "arrival_clock.hpp"
#include "memwall/util/clock.hpp"
#include "memwall/util/result.hpp"

namespace memwall::backends {

class MultiLoop {
 public:
  // `max_connections`: the connection cache, so every user's connection is kept alive. `clock`
  // stamps arrivals (see ArrivalClock; kernel receive stamps when it is the steady clock); waits are
  // on the steady clock.
  static Result<std::unique_ptr<MultiLoop>> create(long max_connections, const Clock& clock);
  ~MultiLoop();
  MultiLoop(const MultiLoop&) = delete;
  MultiLoop& operator=(const MultiLoop&) = delete;

  void add(CURL* easy);
  void remove(CURL* easy);
  // Waits at most wait_ns (steady clock) for a ready socket or libcurl's timer, lets libcurl act,
  // and appends the transfers that ended, with their results, to `done`.
  void poll(std::int64_t wait_ns, std::vector<std::pair<CURL*, CURLcode>>& done);
  // What transfers stamp received bytes with.
  ArrivalClock& arrival_clock() { return arrival_; }

 private:
  MultiLoop(CURLM* multi, int epoll_fd, const Clock& clock)
      : multi_(multi), epoll_fd_(epoll_fd), arrival_(clock, dynamic_cast<const SteadyClock*>(&clock) != nullptr) {}
  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* self, void* socket_data);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  void act(curl_socket_t socket, int flags);
  void track(CURL* easy, curl_socket_t socket);
  void untrack(CURL* easy);
  CURL* easy_of(curl_socket_t socket) const {
    return socket >= 0 && static_cast<std::size_t>(socket) < easy_of_socket_.size()
               ? easy_of_socket_[static_cast<std::size_t>(socket)]
               : nullptr;
  }

  CURLM* multi_;
  int epoll_fd_;
  // The transfer that last took up each socket (by descriptor), so the arrival clock knows whose
  // bytes a ready socket holds; and the other way round, to forget a transfer that ends.
  std::vector<CURL*> easy_of_socket_;
  std::unordered_map<CURL*, curl_socket_t> socket_of_easy_;
  std::int64_t timer_due_ns_ = -1;  // libcurl wants socket_action(TIMEOUT) then; -1 = no timer
  bool pwait2_ = true;              // epoll_pwait2 (ns timeouts) works on this kernel
  ArrivalClock arrival_;
};

}  // namespace memwall::backends
