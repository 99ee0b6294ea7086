#pragma once
// libcurl's multi interface driven through its socket API from one epoll set: the cost of a wake-up
// is the sockets that are ready, not all the transfers open (curl_multi_perform walks every handle,
// which at thousands of streams costs more than the streams themselves).
#include <curl/curl.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "memwall/util/clock.hpp"
#include "memwall/util/result.hpp"

namespace memwall::backends {

// When received bytes arrived, as closely as the client can tell. While the loop handles the
// sockets one wait reported ready, bytes read from the socket in hand are stamped with the moment
// that wait returned: reading the clock as each socket's turn comes would stamp the last of
// hundreds of sockets ready at once (a batching server emits a chunk for every stream at each step)
// late by the time spent on all the others. Bytes read from any other socket meanwhile (libcurl
// runs other transfers' timers inside the same call, and may send a request and read its answer
// there) were not known to have arrived at that moment: they get the clock's reading.
class ArrivalClock {
 public:
  explicit ArrivalClock(const Clock& clock) : clock_(clock) {}
  std::int64_t arrival_ns(curl_socket_t socket) const {
    return wake_ns_ != 0 && socket == socket_ ? wake_ns_ : clock_.now_ns();
  }
  const Clock& clock() const { return clock_; }
  // Inside a batch: the wait returned at wake_ns and `socket` is being handled; wake_ns 0 = none.
  void set(std::int64_t wake_ns, curl_socket_t socket) {
    wake_ns_ = wake_ns;
    socket_ = socket;
  }

 private:
  const Clock& clock_;
  std::int64_t wake_ns_ = 0;
  curl_socket_t socket_ = CURL_SOCKET_BAD;
};

class MultiLoop {
 public:
  // `max_connections`: the connection cache, so every user's connection is kept alive. `clock`
  // stamps arrivals (see ArrivalClock); waits are on the steady clock.
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
  const ArrivalClock& arrival_clock() const { return arrival_; }

 private:
  MultiLoop(CURLM* multi, int epoll_fd, const Clock& clock) : multi_(multi), epoll_fd_(epoll_fd), arrival_(clock) {}
  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* self, void* socket_data);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  void act(curl_socket_t socket, int flags);

  CURLM* multi_;
  int epoll_fd_;
  std::int64_t timer_due_ns_ = -1;  // libcurl wants socket_action(TIMEOUT) then; -1 = no timer
  bool pwait2_ = true;              // epoll_pwait2 (ns timeouts) works on this kernel
  ArrivalClock arrival_;
};

}  // namespace memwall::backends
