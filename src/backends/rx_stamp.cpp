#include "rx_stamp.hpp"

#include <cstring>
#include <ctime>

#if defined(__linux__)
#include <linux/sockios.h>
#include <netinet/in.h>  // IPPROTO_TCP
#include <linux/tcp.h>  // the kernel's struct tcp_info (glibc's lacks the newer fields)
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#endif

namespace memwall::backends {
namespace {

std::int64_t read_clock_ns(clockid_t id) {
  timespec t{};
  clock_gettime(id, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

#if defined(__linux__)
struct TcpCounts {
  bool ok = false;
  std::uint64_t bytes_received = 0;
  std::uint32_t out_of_order_packets = 0;
};

TcpCounts tcp_counts(int fd) {
  tcp_info info{};
  socklen_t length = sizeof info;
  TcpCounts counts;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return counts;
  // Older kernels fill a shorter struct: both fields must be there.
  constexpr std::size_t needed = offsetof(tcp_info, tcpi_rcv_ooopack) + sizeof info.tcpi_rcv_ooopack;
  if (length < needed || offsetof(tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received > length) {
    return counts;
  }
  counts = {true, info.tcpi_bytes_received, info.tcpi_rcv_ooopack};
  return counts;
}
#endif

}  // namespace

#if defined(__linux__)

bool enable_rx_timestamps(int fd) {
  const int on = 1;
  return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0;
}

RxProbe probe_receive_queue(int fd, std::span<char> buffer) {
  RxProbe probe;
  const TcpCounts before = tcp_counts(fd);
  if (!before.ok || before.out_of_order_packets != 0) return probe;
  iovec io{buffer.data(), buffer.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr message{};
  message.msg_iov = &io;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  const ssize_t peeked = recvmsg(fd, &message, MSG_PEEK | MSG_DONTWAIT);
  // A full buffer may have left newer bytes unpeeked, and their stamp unread.
  if (peeked <= 0 || static_cast<std::size_t>(peeked) >= buffer.size()) return probe;
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
    timespec stamp{};
    std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
    probe.newest_realtime_ns = static_cast<std::int64_t>(stamp.tv_sec) * 1'000'000'000 + stamp.tv_nsec;
  }
  probe.bytes_received = before.bytes_received;
  probe.valid = probe.newest_realtime_ns > 0;
  return probe;
}

bool read_within(int fd, const RxProbe& probe) {
  if (!probe.valid) return false;
  // Unread bytes first: a byte arriving between the two calls makes `read` look larger, never
  // smaller, so the check errs towards refusing the stamp.
  int queued = 0;
  if (ioctl(fd, SIOCINQ, &queued) != 0 || queued < 0) return false;
  const TcpCounts after = tcp_counts(fd);
  if (!after.ok || after.out_of_order_packets != 0) return false;
  const std::uint64_t read = after.bytes_received - static_cast<std::uint64_t>(queued);
  return read <= probe.bytes_received;
}

#else

bool enable_rx_timestamps(int) { return false; }
RxProbe probe_receive_queue(int, std::span<char>) { return {}; }
bool read_within(int, const RxProbe&) { return false; }

#endif

std::int64_t realtime_to_steady_ns(std::int64_t realtime_ns) {
  // The wall clock read between two steady readings: the midpoint pairs them to within the
  // (sub-microsecond) gap.
  const std::int64_t steady_before = read_clock_ns(CLOCK_MONOTONIC);
  const std::int64_t realtime = read_clock_ns(CLOCK_REALTIME);
  const std::int64_t steady_after = read_clock_ns(CLOCK_MONOTONIC);
  const std::int64_t steady = steady_before + (steady_after - steady_before) / 2;
  return realtime_ns - (realtime - steady);
}

}  // namespace memwall::backends
