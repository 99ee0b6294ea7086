#include "sink.hpp"

#include <utility>

namespace memwall::report {
namespace {

class JsonLinesSink final : public RowSink {
 public:
  explicit JsonLinesSink(std::ostream& out) : out_(out) {}
  void add(const nlohmann::json& record) override {
    out_ << json_line(record) << '\n' << std::flush;
  }
  void finish() override {}

 private:
  std::ostream& out_;
};

// json and html need every record: they collect them and write at the end.
class CollectingSink final : public RowSink {
 public:
  CollectingSink(Format format, std::ostream& out) : format_(format), out_(out) {}
  void add(const nlohmann::json& record) override { records_.push_back(record); }
  void finish() override {
    if (format_ == Format::html) {
      out_ << render_html(records_);
    } else {
      out_ << json_line(nlohmann::json(records_), 2) << '\n';
    }
    out_.flush();
  }

 private:
  Format format_;
  std::ostream& out_;
  std::vector<nlohmann::json> records_;
};

}  // namespace

bool SectionTracker::opens_section(const nlohmann::json& record) {
  const Section section = section_of(record);
  if (section_ == section) return false;
  section_ = section;
  columns_ = section_columns(record, known_);
  ++sections_;
  return true;
}

std::string json_line(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::unique_ptr<RowSink> make_sink(Format format, std::ostream& out,
                                   std::span<const nlohmann::json> known) {
  switch (format) {
    case Format::table:
      return make_table_sink(out, known);
    case Format::md:
      return make_markdown_sink(out, known);
    case Format::csv:
      return make_csv_sink(out, known);
    case Format::jsonl:
      return std::make_unique<JsonLinesSink>(out);
    case Format::json:
    case Format::html:
      return std::make_unique<CollectingSink>(format, out);
  }
  return std::make_unique<CollectingSink>(Format::json, out);
}

}  // namespace memwall::report
