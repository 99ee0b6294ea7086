#pragma once
#include <string>
#include <vector>

namespace memwall {

// A plain-text table with a header row: columns as wide as their widest cell, text left-aligned,
// cells that look like numbers right-aligned. Printers build one and render it.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // `indent` spaces before each line; a dashed rule under the header.
  std::string render(int indent = 0) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace memwall
