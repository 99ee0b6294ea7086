// The console table: aligned columns of fixed width, so each row can be printed the moment its
// point finishes; two header lines keep numeric columns as narrow as their values.
#include <algorithm>
#include <string>
#include <vector>

#include "sink.hpp"

namespace memwall::report {
namespace {

constexpr std::string_view kGap = "  ";

std::string pad(const std::string& text, std::size_t width, Align align) {
  const std::size_t used = display_width(text);
  const std::string fill(width > used ? width - used : 0, ' ');
  return align == Align::right ? fill + text : text + fill;
}

void trim_right(std::string& line) {
  while (!line.empty() && line.back() == ' ') line.pop_back();
}

class TableSink final : public RowSink {
 public:
  TableSink(std::ostream& out, std::span<const nlohmann::json> known)
      : out_(out), tracker_(known) {}

  void add(const nlohmann::json& record) override {
    if (tracker_.opens_section(record)) open_section(record);
    std::vector<std::string> cells;
    for (const Column& column : columns_) cells.push_back(column.cell(record));
    out_ << line(cells) << '\n' << std::flush;
  }
  void finish() override {}

 private:
  void open_section(const nlohmann::json& record) {
    columns_.clear();
    for (const Column& column : tracker_.columns()) {
      if (column.on_console) columns_.push_back(column);
    }
    widths_.clear();
    for (const Column& column : columns_) widths_.push_back(width_of(column, record));
    if (!tracker_.first_section()) out_ << '\n';
    std::vector<std::string> head1, head2;
    for (const Column& column : columns_) {
      head1.emplace_back(column.head1);
      head2.emplace_back(column.head2);
    }
    out_ << line(head1) << '\n' << line(head2) << '\n';
    std::size_t total = 0;
    for (std::size_t width : widths_) total += width + kGap.size();
    out_ << std::string(total - kGap.size(), '-') << '\n';
  }

  // The column's usual width or its header's, and for a text column (notes aside, which is last
  // and never padded) the values of the row that opens the section and of every known row of the
  // same section.
  std::size_t width_of(const Column& column, const nlohmann::json& record) const {
    std::size_t width =
        std::max({column.width, display_width(column.head1), display_width(column.head2)});
    if (!is_text(column) || &column == &columns_.back()) return width;
    width = std::max(width, display_width(column.cell(record)));
    for (const nlohmann::json& other : tracker_.known()) {
      if (section_of(other) == section_of(record)) {
        width = std::max(width, display_width(column.cell(other)));
      }
    }
    return width;
  }

  // Numeric columns are right-aligned, headers included, so units sit above their digits.
  std::string line(const std::vector<std::string>& cells) const {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const bool last = i + 1 == cells.size();
      text += last ? cells[i] : pad(cells[i], widths_[i], columns_[i].align);
      if (!last) text += kGap;
    }
    trim_right(text);
    return text;
  }

  std::ostream& out_;
  SectionTracker tracker_;
  std::vector<Column> columns_;
  std::vector<std::size_t> widths_;
};

}  // namespace

std::unique_ptr<RowSink> make_table_sink(std::ostream& out, std::span<const nlohmann::json> known) {
  return std::make_unique<TableSink>(out, known);
}

}  // namespace memwall::report
