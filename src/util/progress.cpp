#include "memwall/util/progress.hpp"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "memwall/util/clock.hpp"
#include "memwall/util/units.hpp"

namespace memwall {

ProgressBar::ProgressBar(std::string label, std::uint64_t total_bytes)
    : label_(std::move(label)),
      total_(total_bytes),
      start_ns_(steady_now_ns()),
      enabled_(isatty(STDERR_FILENO) != 0) {}

ProgressBar::~ProgressBar() {
  if (enabled_ && !finished_) std::fputc('\n', stderr);
}

void ProgressBar::update(std::uint64_t done_bytes) {
  if (!enabled_) return;
  const std::int64_t now = steady_now_ns();
  if (now - last_draw_ns_ < 100'000'000) return;
  last_draw_ns_ = now;
  draw(done_bytes);
}

void ProgressBar::finish() {
  if (!enabled_ || finished_) return;
  draw(total_);
  std::fputc('\n', stderr);
  finished_ = true;
}

void ProgressBar::draw(std::uint64_t done) {
  constexpr int kWidth = 30;
  const double fraction = total_ ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total_)) : 1.0;
  const double elapsed_s = static_cast<double>(steady_now_ns() - start_ns_) * 1e-9;
  const double rate = elapsed_s > 0 ? static_cast<double>(done) / elapsed_s : 0;
  const double eta_s = rate > 0 ? static_cast<double>(total_ - std::min(done, total_)) / rate : 0;
  const int filled = static_cast<int>(fraction * kWidth);
  fmt::print(stderr, "\r{} [{}{}] {:3.0f}%  {} / {}  {}/s  ETA {:.0f} s   ", label_,
             std::string(static_cast<std::size_t>(filled), '#'),
             std::string(static_cast<std::size_t>(kWidth - filled), ' '), fraction * 100,
             format_bytes(done), format_bytes(total_), format_bytes(static_cast<std::uint64_t>(rate)),
             eta_s);
  std::fflush(stderr);
}

}  // namespace memwall
