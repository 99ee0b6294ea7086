#pragma once
// The kernel's software receive timestamps on the client's TCP sockets (SO_TIMESTAMPNS): when the
// bytes of a response reached this machine's network stack, rather than when a busy event loop
// got round to reading them. A stamp is taken by peeking at a socket's receive queue before
// libcurl reads it, and trusted only when everything libcurl then read was already queued at that
// peek (see read_within). Linux only; elsewhere every probe comes back invalid.
#include <cstdint>
#include <span>

namespace memwall::backends {

// Asks the kernel to stamp the socket's received data. False when it refuses (not Linux, not a
// socket); the socket still works, its probes are just invalid.
bool enable_rx_timestamps(int fd);

// What a look at a socket's receive queue found, before anything was read from it.
struct RxProbe {
  bool valid = false;
  // Receive stamp (CLOCK_REALTIME) of the newest bytes queued. TCP hands out the stamp of the last
  // segment a read walks over, and keeps the newest stamp when it merges segments, so the peek over
  // the whole queue gives a time at or after the arrival of every byte in it.
  std::int64_t newest_realtime_ns = 0;
  // The connection's in-order bytes received by then (tcpi_bytes_received): everything up to here
  // was in the queue, or already read.
  std::uint64_t bytes_received = 0;
};

// Peeks at the queued bytes (as many as `buffer` holds) and reads their newest receive stamp. Invalid
// when the socket has no stamp to give, the queue is larger than the buffer, or the connection ever
// received a segment out of order (a late retransmission fills a hole with bytes older in sequence
// but newer in time than the stamp the queue's tail carries).
RxProbe probe_receive_queue(int fd, std::span<char> buffer);

// After a read: true when every byte consumed from the socket so far was already received at the
// probe, i.e. nothing that arrived after it was read (read bytes = received - still queued).
bool read_within(int fd, const RxProbe& probe);

// A CLOCK_REALTIME time as CLOCK_MONOTONIC (the steady clock), with the offset between the two
// clocks read now (they move together except when the wall clock is stepped).
std::int64_t realtime_to_steady_ns(std::int64_t realtime_ns);

}  // namespace memwall::backends
