#pragma once
// The rows of `memwall bench` as points finish: an aligned table, Markdown, CSV, JSON Lines or one
// JSON array, all read from the records alone; progress and the closing summary on stderr.
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "memwall/util/result.hpp"

namespace memwall::cli {

enum class OutputFormat { table, md, csv, json, jsonl };
Result<OutputFormat> parse_output_format(const std::string& name);

class BenchPrinter {
 public:
  BenchPrinter(OutputFormat format, std::ostream& out) : format_(format), out_(out) {}
  void add(const nlohmann::json& record);
  void finish();                       // closes the JSON array
  void summary(std::ostream& err) const;  // one line: the best point, the roofline

 private:
  OutputFormat format_;
  std::ostream& out_;
  bool header_done_ = false;
  std::vector<nlohmann::json> records_;
};

// "[3/12] 41 s elapsed, about 2 min left" on stderr: in place on a terminal, a line otherwise.
void progress_line(std::size_t done, std::size_t total, double elapsed_s);

}  // namespace memwall::cli
