#include "memwall/hw/read_sampler.hpp"

#include <algorithm>
#include <vector>

#include "memwall/hw/latency.hpp"
#include "memwall/util/clock.hpp"
#include "member_share.hpp"

namespace memwall::hw {

Result<std::unique_ptr<ReadSampler>> ReadSampler::create(unsigned threads, std::uint64_t buffer_bytes,
                                                         const BandwidthKernels& kernels) {
  Result<std::unique_ptr<ThreadTeam>> team = make_core_team(threads);
  if (!team.ok()) return team.error();
  const std::size_t elements = buffer_bytes / sizeof(double) / 8 * 8;
  if (elements < threads) return make_error("read sampler: a buffer of {} bytes is too small", buffer_bytes);
  Result<HugeBuffer> buffer = HugeBuffer::allocate(elements * sizeof(double));
  if (!buffer.ok()) return buffer.error();
  auto* data = static_cast<double*>(buffer->data());
  (*team)->run([&](unsigned m) {
    const Span s = share_of(elements, threads, m);
    std::fill_n(data + s.begin, s.count, 1.0);
  });
  return std::unique_ptr<ReadSampler>(
      new ReadSampler(std::move(team).value(), std::move(buffer).value(), elements, kernels));
}

ReadSampler::ReadSampler(std::unique_ptr<ThreadTeam> team, HugeBuffer buffer, std::size_t elements,
                         const BandwidthKernels& kernels)
    : team_(std::move(team)), buffer_(std::move(buffer)), elements_(elements), kernels_(kernels) {}

Status ReadSampler::pass() {
  const auto* data = static_cast<const double*>(buffer_.data());
  const unsigned members = team_->size();
  std::vector<double> sums(members);
  team_->run([&](unsigned m) {
    const Span s = share_of(elements_, members, m);
    sums[m] = kernels_.read(data + s.begin, s.count);
  });
  for (unsigned m = 0; m < members; ++m) {
    if (sums[m] != static_cast<double>(share_of(elements_, members, m).count)) {
      return make_error("read sampler: the read kernel ({}) returned a wrong sum", kernels_.isa);
    }
  }
  return {};
}

Result<double> ReadSampler::sample_gbps(double min_seconds) {
  if (Status warm = pass(); !warm.ok()) return warm.error();
  const std::int64_t start_ns = steady_now_ns();
  std::int64_t passes = 0, elapsed_ns = 0;
  do {
    if (Status s = pass(); !s.ok()) return s.error();
    ++passes;
    elapsed_ns = steady_now_ns() - start_ns;
  } while (static_cast<double>(elapsed_ns) < min_seconds * 1e9);
  return static_cast<double>(passes) * static_cast<double>(buffer_bytes()) / static_cast<double>(elapsed_ns);
}

// A few thousand round trips: a few ms at the hundreds of ns of cores far apart.
Result<double> ReadSampler::round_trip_ns() { return measure_round_trip(*team_, 2'000, 3); }

}  // namespace memwall::hw
