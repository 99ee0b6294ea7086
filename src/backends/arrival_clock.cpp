#include "arrival_clock.hpp"

namespace memwall::backends {
namespace {

// Larger than the queue of a socket that awaits a response's first bytes (headers and a few
// chunks); a fuller queue is not probed (see probe_receive_queue).
constexpr std::size_t kPeekBytes = 64 * 1024;

}  // namespace

ArrivalClock::ArrivalClock(const Clock& clock, bool kernel_stamps)
    : clock_(clock), kernel_stamps_(kernel_stamps), peek_buffer_(kernel_stamps ? kPeekBytes : 0) {}

void ArrivalClock::socket_opened(curl_socket_t socket) {
  if (kernel_stamps_) enable_rx_timestamps(socket);
}

void ArrivalClock::expect_first_text(CURL* easy) {
  if (kernel_stamps_) awaiting_.insert(easy);
}

void ArrivalClock::first_text_read(CURL* easy, FirstTextSink& sink) {
  if (awaiting_.erase(easy) == 0) return;
  // Only bytes of the socket in hand were queued at the peek.
  if (easy == easy_ && probe_.valid) first_text_ = &sink;
}

void ArrivalClock::before_read(curl_socket_t socket, CURL* easy, bool readable) {
  socket_ = socket;
  easy_ = easy;
  probe_ = {};
  first_text_ = nullptr;
  if (readable && easy != nullptr && awaiting_.contains(easy)) probe_ = probe_receive_queue(socket, peek_buffer_);
}

void ArrivalClock::after_read() {
  if (first_text_ != nullptr && read_within(socket_, probe_)) {
    first_text_->first_text_arrived(realtime_to_steady_ns(probe_.newest_realtime_ns));
  }
  socket_ = CURL_SOCKET_BAD;
  easy_ = nullptr;
  probe_ = {};
  first_text_ = nullptr;
}

}  // namespace memwall::backends
