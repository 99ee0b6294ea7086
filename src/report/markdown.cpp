// GitHub-flavoured Markdown: a table per section, a row per record, streamable as it stands
// (Markdown needs no column widths).
#include <string>

#include "sink.hpp"

namespace memwall::report {
namespace {

// A cell must stay on its line and not open a new column.
std::string escape_cell(const std::string& text) {
  std::string escaped;
  for (const char c : text) {
    if (c == '|') {
      escaped += "\\|";
    } else if (c == '\n' || c == '\r') {
      escaped += ' ';
    } else {
      escaped += c;
    }
  }
  return escaped;
}

class MarkdownSink final : public RowSink {
 public:
  MarkdownSink(std::ostream& out, std::span<const nlohmann::json> known)
      : out_(out), tracker_(known) {}

  void add(const nlohmann::json& record) override {
    if (tracker_.opens_section(record)) open_section();
    out_ << '|';
    for (const Column& column : tracker_.columns()) {
      out_ << ' ' << escape_cell(column.cell(record)) << " |";
    }
    out_ << '\n' << std::flush;
  }
  void finish() override {}

 private:
  void open_section() {
    if (!tracker_.first_section()) out_ << '\n';
    std::string titles = "|", rule = "|";
    for (const Column& column : tracker_.columns()) {
      titles += ' ' + std::string(column.title) + " |";
      rule += column.align == Align::right ? "---:|" : "---|";
    }
    out_ << titles << '\n' << rule << '\n';
  }

  std::ostream& out_;
  SectionTracker tracker_;
};

}  // namespace

std::unique_ptr<RowSink> make_markdown_sink(std::ostream& out,
                                            std::span<const nlohmann::json> known) {
  return std::make_unique<MarkdownSink>(out, known);
}

}  // namespace memwall::report
