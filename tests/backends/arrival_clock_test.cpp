// Kernel receive stamps on a real loopback TCP connection: the probe of a socket's queue, the check
// that a read took nothing that came after it, and the arrival clock that ties them to a response's
// first text. Every assertion is about the order of events, never about how long they took.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "arrival_clock.hpp"
#include "rx_stamp.hpp"

namespace memwall::backends {
namespace {

// A connected loopback pair: `client` receives what `server` sends.
class LoopbackPair {
 public:
  LoopbackPair() {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listener, 1);
    getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &length);
    client = socket(AF_INET, SOCK_STREAM, 0);
    connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    server = accept(listener, nullptr, nullptr);
    close(listener);
    const int one = 1;
    setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~LoopbackPair() {
    close(client);
    close(server);
  }
  LoopbackPair(const LoopbackPair&) = delete;
  LoopbackPair& operator=(const LoopbackPair&) = delete;

  void send_bytes(std::size_t n) const { ASSERT_EQ(send(server, std::string(n, 'x').data(), n, 0), static_cast<ssize_t>(n)); }
  // Blocks until the client's queue holds `n` bytes.
  void wait_queued(int n) const {
    for (;;) {
      pollfd p{client, POLLIN, 0};
      poll(&p, 1, 1000);
      int queued = 0;
      ioctl(client, FIONREAD, &queued);
      if (queued >= n) return;
      std::this_thread::yield();
    }
  }
  std::size_t read_bytes(std::size_t n) const {
    std::vector<char> buffer(n);
    return static_cast<std::size_t>(recv(client, buffer.data(), n, 0));
  }
  // Sends and reads until the kernel stamps this socket's data: switching stamps on may take
  // effect a moment after the first socket asks (the kernel enables them from a work queue).
  bool stamps_flowing() const {
    std::vector<char> buffer(4096);
    for (int attempt = 0; attempt < 1000; ++attempt) {
      send_bytes(1);
      wait_queued(1);
      const bool stamped = probe_receive_queue(client, buffer).valid;
      read_bytes(4096);
      if (stamped) return true;
      std::this_thread::yield();
    }
    return false;
  }

  int client = -1;
  int server = -1;
};

class RecordingSink final : public FirstTextSink {
 public:
  void first_text_arrived(std::int64_t t_ns) override { stamps.push_back(t_ns); }
  std::vector<std::int64_t> stamps;
};

CURL* const kEasy = reinterpret_cast<CURL*>(0x1000);  // a transfer's identity, never dereferenced
CURL* const kOtherEasy = reinterpret_cast<CURL*>(0x2000);

TEST(RxStamp, ProbeGivesWhenQueuedBytesArrivedAndLeavesThemQueued) {
  LoopbackPair pair;
  ASSERT_TRUE(enable_rx_timestamps(pair.client));
  ASSERT_TRUE(pair.stamps_flowing());
  const std::int64_t before_send_ns = steady_now_ns();
  pair.send_bytes(100);
  pair.wait_queued(100);
  const std::int64_t queued_ns = steady_now_ns();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the reader is late
  std::vector<char> buffer(4096);
  const RxProbe probe = probe_receive_queue(pair.client, buffer);
  ASSERT_TRUE(probe.valid);
  const std::int64_t arrived_ns = realtime_to_steady_ns(probe.newest_realtime_ns);
  EXPECT_GE(arrived_ns, before_send_ns);
  EXPECT_LE(arrived_ns, queued_ns);  // when the bytes came, not when they were looked at
  EXPECT_EQ(pair.read_bytes(4096), 100u);  // the peek took nothing
}

TEST(RxStamp, ReadIsWithinTheProbeOnlyWhenNothingNewerWasRead) {
  LoopbackPair pair;
  ASSERT_TRUE(enable_rx_timestamps(pair.client));
  ASSERT_TRUE(pair.stamps_flowing());
  std::vector<char> buffer(4096);
  pair.send_bytes(100);
  pair.wait_queued(100);
  RxProbe probe = probe_receive_queue(pair.client, buffer);
  ASSERT_TRUE(probe.valid);
  EXPECT_EQ(pair.read_bytes(60), 60u);
  EXPECT_TRUE(read_within(pair.client, probe));
  EXPECT_EQ(pair.read_bytes(40), 40u);
  EXPECT_TRUE(read_within(pair.client, probe));

  pair.send_bytes(100);
  pair.wait_queued(100);
  probe = probe_receive_queue(pair.client, buffer);
  ASSERT_TRUE(probe.valid);
  pair.send_bytes(50);  // arrives after the probe looked
  pair.wait_queued(150);
  EXPECT_EQ(pair.read_bytes(4096), 150u);
  EXPECT_FALSE(read_within(pair.client, probe));
}

TEST(RxStamp, NoProbeWithoutStampsOrWhenTheQueueOutgrowsTheBuffer) {
  LoopbackPair plain;
  plain.send_bytes(10);
  plain.wait_queued(10);
  std::vector<char> buffer(4096);
  EXPECT_FALSE(probe_receive_queue(plain.client, buffer).valid);  // stamps never asked for

  LoopbackPair pair;
  ASSERT_TRUE(enable_rx_timestamps(pair.client));
  ASSERT_TRUE(pair.stamps_flowing());
  pair.send_bytes(100);
  pair.wait_queued(100);
  std::vector<char> small(100);
  EXPECT_FALSE(probe_receive_queue(pair.client, small).valid);  // newer bytes may lie past the peek
  std::vector<char> empty_queue_buffer(4096);
  pair.read_bytes(4096);
  EXPECT_FALSE(probe_receive_queue(pair.client, empty_queue_buffer).valid);  // nothing queued
}

// The loop's turn on one socket, with a "libcurl" that reads `read` bytes and, if `text`, gives the
// first text of the transfer on `reader`.
void turn(ArrivalClock& arrivals, const LoopbackPair& pair, CURL* in_hand, CURL* reader, std::size_t read,
          RecordingSink& sink) {
  arrivals.before_read(pair.client, in_hand, true);
  pair.read_bytes(read);
  arrivals.first_text_read(reader, sink);
  arrivals.after_read();
}

TEST(ArrivalClock, FirstTextTakesTheKernelStampOfItsBytes) {
  const SteadyClock clock;
  ArrivalClock arrivals(clock, true);
  LoopbackPair pair;
  arrivals.socket_opened(pair.client);
  ASSERT_TRUE(pair.stamps_flowing());
  arrivals.expect_first_text(kEasy);
  const std::int64_t before_send_ns = steady_now_ns();
  pair.send_bytes(200);
  pair.wait_queued(200);
  const std::int64_t queued_ns = steady_now_ns();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  RecordingSink sink;
  turn(arrivals, pair, kEasy, kEasy, 4096, sink);
  ASSERT_EQ(sink.stamps.size(), 1u);
  EXPECT_GE(sink.stamps[0], before_send_ns);
  EXPECT_LE(sink.stamps[0], queued_ns);

  // The same transfer's later text: its read time stays (nothing awaited any more).
  pair.send_bytes(10);
  pair.wait_queued(10);
  turn(arrivals, pair, kEasy, kEasy, 4096, sink);
  EXPECT_EQ(sink.stamps.size(), 1u);
}

TEST(ArrivalClock, NoKernelStampWhenItCannotBeTrusted) {
  const SteadyClock clock;
  ArrivalClock arrivals(clock, true);
  LoopbackPair pair;
  arrivals.socket_opened(pair.client);
  ASSERT_TRUE(pair.stamps_flowing());
  RecordingSink sink;

  // Text of a transfer other than the socket's: its bytes were not the ones peeked at.
  arrivals.expect_first_text(kOtherEasy);
  pair.send_bytes(100);
  pair.wait_queued(100);
  turn(arrivals, pair, kEasy, kOtherEasy, 4096, sink);
  EXPECT_TRUE(sink.stamps.empty());

  // Bytes that arrived after the peek were read with it: the text may have been in them.
  arrivals.expect_first_text(kEasy);
  pair.send_bytes(100);
  pair.wait_queued(100);
  arrivals.before_read(pair.client, kEasy, true);
  pair.send_bytes(100);
  pair.wait_queued(200);
  pair.read_bytes(4096);
  arrivals.first_text_read(kEasy, sink);
  arrivals.after_read();
  EXPECT_TRUE(sink.stamps.empty());

  // Read outside a socket's turn (libcurl's timers): nothing was peeked.
  arrivals.expect_first_text(kEasy);
  arrivals.first_text_read(kEasy, sink);
  EXPECT_TRUE(sink.stamps.empty());
}

TEST(ArrivalClock, OtherClocksKeepReadTimes) {
  FakeClock fake;
  fake.set_ns(5);
  ArrivalClock arrivals(fake, false);
  EXPECT_FALSE(arrivals.kernel_stamps());
  EXPECT_EQ(arrivals.read_ns(), 5);
  LoopbackPair pair;
  arrivals.socket_opened(pair.client);
  arrivals.expect_first_text(kEasy);
  pair.send_bytes(100);
  pair.wait_queued(100);
  RecordingSink sink;
  turn(arrivals, pair, kEasy, kEasy, 4096, sink);
  EXPECT_TRUE(sink.stamps.empty());
}

}  // namespace
}  // namespace memwall::backends
