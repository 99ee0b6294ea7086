#include "memwall/backends/arrivals.hpp"

#include <algorithm>
#include <cmath>

#include "memwall/util/rng.hpp"

namespace memwall::backends {

Arrivals Arrivals::closed(std::int64_t count, std::int64_t users) {
  Arrivals a;
  a.count_ = count;
  a.limit_ = std::max<std::int64_t>(users, 1);
  return a;
}

Arrivals Arrivals::open(std::int64_t count, double rate_per_s, std::int64_t cap, std::uint64_t seed,
                        std::int64_t start_ns) {
  Arrivals a;
  a.count_ = count;
  a.limit_ = std::max<std::int64_t>(cap, 0);
  a.open_ = true;
  Rng rng(seed);
  double t_s = 0;
  a.due_ns_.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    t_s += -std::log1p(-rng.uniform()) / rate_per_s;
    a.due_ns_.push_back(start_ns + std::llround(t_s * 1e9));
  }
  return a;
}

std::vector<Release> Arrivals::take(std::int64_t now_ns, std::int64_t in_flight, std::int64_t most) {
  std::vector<Release> out;
  const auto room = [&] {
    const auto n = static_cast<std::int64_t>(out.size());
    return n < most && (limit_ == 0 || in_flight + n < limit_);
  };
  if (!open_) {
    while (next_ < count_ && room()) out.push_back({next_++, now_ns});
    return out;
  }
  while (next_ < count_ && due_ns_[static_cast<std::size_t>(next_)] <= now_ns) {
    waiting_.push_back({next_, due_ns_[static_cast<std::size_t>(next_)]});
    ++next_;
  }
  while (!waiting_.empty() && room()) {
    out.push_back(waiting_.front());
    waiting_.pop_front();
  }
  return out;
}

std::int64_t Arrivals::next_due_ns(std::int64_t now_ns, std::int64_t in_flight) const {
  const bool full = limit_ != 0 && in_flight >= limit_;
  if (full) return kNever;
  if (!open_) return next_ < count_ ? now_ns : kNever;
  if (!waiting_.empty()) return now_ns;
  return next_ < count_ ? due_ns_[static_cast<std::size_t>(next_)] : kNever;
}

}  // namespace memwall::backends
