#pragma once
// When each request of a phase may be sent: closed loop (a fixed number of users, each sending
// again as soon as its last request ends) or open loop (Poisson arrivals at a rate, optionally
// capped in flight). Pure bookkeeping over times the caller passes in, so it is tested exactly.
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <vector>

namespace memwall::backends {

struct Release {
  std::int64_t index;         // the request, 0..count-1 within the phase
  std::int64_t scheduled_ns;  // when it was due
};

class Arrivals {
 public:
  static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

  // Closed loop with `users` users: a request is due when a user is free to send it.
  static Arrivals closed(std::int64_t count, std::int64_t users);
  // Open loop: exponential gaps of mean 1/rate from start_ns (seeded, the same on every platform);
  // at most `cap` in flight, 0 = no cap.
  static Arrivals open(std::int64_t count, double rate_per_s, std::int64_t cap, std::uint64_t seed,
                       std::int64_t start_ns);

  // Requests to send now, given `in_flight` already open; the caller sends them in order.
  std::vector<Release> take(std::int64_t now_ns, std::int64_t in_flight);
  // The next time take() could release something without a completion: kNever when only a
  // completion can (closed loop, or the cap is reached).
  std::int64_t next_due_ns(std::int64_t in_flight) const;
  bool all_released() const { return next_ == count_ && waiting_.empty(); }
  std::int64_t count() const { return count_; }

 private:
  Arrivals() = default;

  std::int64_t count_ = 0;
  std::int64_t limit_ = 0;            // in flight at most (users, or the cap; 0 = none)
  bool open_ = false;
  std::vector<std::int64_t> due_ns_;  // open loop: every arrival time
  std::int64_t next_ = 0;             // next request not yet due
  std::deque<Release> waiting_;       // open loop: arrived, held back by the cap
};

}  // namespace memwall::backends
