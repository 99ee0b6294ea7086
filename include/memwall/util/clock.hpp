#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace memwall {

// Monotonic nanoseconds for timing measured work.
inline std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The wall-clock time now as ISO 8601 UTC, e.g. "2026-11-22T10:46:49Z", for records.
std::string utc_now_iso8601();

// Time source injected into code whose timing tests must control (the sweep, statistics, servers).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_ns() const = 0;
};

class SteadyClock final : public Clock {
 public:
  std::int64_t now_ns() const override { return steady_now_ns(); }
};

// Advances only when told: makes latency arithmetic exactly checkable.
class FakeClock final : public Clock {
 public:
  std::int64_t now_ns() const override { return now_ns_; }
  void advance_ns(std::int64_t delta_ns) { now_ns_ += delta_ns; }
  void set_ns(std::int64_t now_ns) { now_ns_ = now_ns; }

 private:
  std::int64_t now_ns_ = 0;
};

}  // namespace memwall
