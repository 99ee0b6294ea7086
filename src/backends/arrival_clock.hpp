#pragma once
// When the bytes of a response arrived, as exactly as the client can tell, and never before they
// did:
//  - every piece of a response is stamped with the clock's reading when libcurl hands it over
//    (its read time: at or after its arrival, later by however long the event loop was busy);
//  - the first generated text of a response gets, when the load runs on the steady clock and the
//    kernel gives one, the time its bytes reached this machine's network stack: the kernel's
//    software receive stamp. Before the loop lets libcurl read a socket whose next bytes start a
//    response, it peeks at the socket's queue (RxProbe); when the response's first text is read
//    from that socket in that same turn, and everything libcurl read was already queued at the
//    peek, the text arrived no later than the newest queued byte, whose stamp replaces the read
//    time. Otherwise the read time stays.
// Only the first text is stamped so: a peek costs a few system calls, once or twice per response
// rather than at every chunk.
#include <curl/curl.h>

#include <cstdint>
#include <unordered_set>
#include <vector>

#include "memwall/util/clock.hpp"
#include "rx_stamp.hpp"

namespace memwall::backends {

// Told, after its bytes were read, when the first generated text of a response reached this
// machine (on the clock's scale), when that could be established.
class FirstTextSink {
 public:
  virtual void first_text_arrived(std::int64_t t_ns) = 0;

 protected:
  ~FirstTextSink() = default;
};

class ArrivalClock {
 public:
  // `kernel_stamps`: `clock` is the system's steady clock, on which kernel stamps can be placed.
  ArrivalClock(const Clock& clock, bool kernel_stamps);

  const Clock& clock() const { return clock_; }
  bool kernel_stamps() const { return kernel_stamps_; }
  // The read time of bytes being handed over now.
  std::int64_t read_ns() const { return clock_.now_ns(); }

  // A connection's socket was created (before it connects): stamps on.
  void socket_opened(curl_socket_t socket);
  // A transfer started on `easy`: its response's first text is awaited.
  void expect_first_text(CURL* easy);
  // `sink`, the transfer on `easy`, has just read its response's first text.
  void first_text_read(CURL* easy, FirstTextSink& sink);
  // The transfer on `easy` ended.
  void forget(CURL* easy) { awaiting_.erase(easy); }

  // The loop, around libcurl's turn on one ready socket (`readable`: it has bytes to read), which
  // the transfer on `easy` uses (null: none known).
  void before_read(curl_socket_t socket, CURL* easy, bool readable);
  void after_read();

 private:
  const Clock& clock_;
  bool kernel_stamps_;
  std::unordered_set<CURL*> awaiting_;      // transfers whose first text has not come yet
  curl_socket_t socket_ = CURL_SOCKET_BAD;  // the socket libcurl is reading in this turn
  CURL* easy_ = nullptr;                    // the transfer that uses it
  RxProbe probe_;                           // its queue before the turn
  FirstTextSink* first_text_ = nullptr;     // it read its first text in this turn
  std::vector<char> peek_buffer_;
};

}  // namespace memwall::backends
