#pragma once
// One small class per output format behind one interface; RowWriter and render() drive them.
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "columns.hpp"
#include "memwall/report/format.hpp"

namespace memwall::report {

class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual void add(const nlohmann::json& record) = 0;
  virtual void finish() = 0;
};

// `known`: records the sink may consult ahead of their rows to choose columns and widths (every
// record when rendering a file); empty when streaming.
std::unique_ptr<RowSink> make_sink(Format format, std::ostream& out,
                                   std::span<const nlohmann::json> known);

std::unique_ptr<RowSink> make_table_sink(std::ostream& out, std::span<const nlohmann::json> known);
std::unique_ptr<RowSink> make_markdown_sink(std::ostream& out,
                                            std::span<const nlohmann::json> known);
std::unique_ptr<RowSink> make_csv_sink(std::ostream& out, std::span<const nlohmann::json> known);

// Tracks which section the rows are in, so table and Markdown open a new one (header and all)
// when the kind of test changes.
class SectionTracker {
 public:
  explicit SectionTracker(std::span<const nlohmann::json> known) : known_(known) {}
  // True when `record` opens a section; columns() then describes it.
  bool opens_section(const nlohmann::json& record);
  const std::vector<Column>& columns() const { return columns_; }
  bool first_section() const { return sections_ == 1; }
  std::span<const nlohmann::json> known() const { return known_; }

 private:
  std::span<const nlohmann::json> known_;
  std::optional<Section> section_;
  std::vector<Column> columns_;
  int sections_ = 0;
};

// A record as one line of JSON; strings that are not valid UTF-8 are repaired, not thrown on.
std::string json_line(const nlohmann::json& value, int indent = -1);

// The self-contained HTML page (html.cpp).
std::string render_html(const std::vector<nlohmann::json>& records);

}  // namespace memwall::report
