#pragma once
// What `memwall bench` prints beside the rows (which report::RowWriter writes as points finish):
// progress with an estimate of the time left, and the closing one-line summary, both on stderr.
#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

namespace memwall::cli {

// "[3/12] 41 s elapsed, about 2 min left": in place on a terminal, a line per point otherwise.
void progress_line(std::size_t done, std::size_t total, double elapsed_s);

// One line: how many points were measured, the best decode speed, and its roofline efficiency.
void print_summary(const std::vector<nlohmann::json>& records, std::ostream& err);

}  // namespace memwall::cli
