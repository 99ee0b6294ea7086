#pragma once
// Where the points of `memwall bench` go as they finish: appended to --save, printed as rows
// (report::RowWriter), progress with the time left on stderr; then the closing summary line.
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "memwall/report/row_writer.hpp"
#include "memwall/util/result.hpp"

namespace memwall::cli {

// -o: the formats rows can stream in (not html, which `memwall report` writes).
Result<report::Format> parse_row_format(const std::string& name);

class SweepOutput {
 public:
  // Errors: --save cannot be opened for appending.
  static Result<std::unique_ptr<SweepOutput>> open(report::Format format, const std::string& save_path,
                                                   std::size_t total_points);
  // Saves and prints one finished point; `failed` counts towards the exit code.
  void emit(const nlohmann::json& record);
  // Closes the rows; prints the summary (or what an interruption kept); returns the exit code.
  int finish(bool interrupted);

 private:
  SweepOutput(report::Format format, std::size_t total) : rows_(format, std::cout), total_(total) {}
  report::RowWriter rows_;
  std::ofstream save_;
  std::string save_path_;
  std::vector<nlohmann::json> records_;
  std::size_t total_;
  int failures_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// "[3/12] 41 s elapsed, about 2 min left": in place on a terminal, a line per point otherwise.
void progress_line(std::size_t done, std::size_t total, double elapsed_s);

// One line: how many points were measured, the best decode speed, and its roofline efficiency.
void print_summary(const std::vector<nlohmann::json>& records, std::ostream& err);

}  // namespace memwall::cli
