#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace memwall {

// A byte-count progress bar on stderr: redrawn in place (at most ten times a second) when stderr
// is a terminal, silent otherwise so logs stay clean.
class ProgressBar {
 public:
  ProgressBar(std::string label, std::uint64_t total_bytes);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void set_total(std::uint64_t total_bytes) { total_ = total_bytes; }
  void update(std::uint64_t done_bytes);
  void finish();  // draws 100% and ends the line

 private:
  void draw(std::uint64_t done_bytes);

  std::string label_;
  std::uint64_t total_;
  std::int64_t start_ns_;
  std::int64_t last_draw_ns_ = 0;
  bool enabled_;
  bool finished_ = false;
};

}  // namespace memwall
