#include "memwall/report/render.hpp"

#include <algorithm>
#include <sstream>

#include "record_fields.hpp"
#include "sink.hpp"

namespace memwall::report {
namespace {

// Table and Markdown open a section per kind of test; a file is shown with one section per kind,
// engine-level first, each in the order of the file.
std::vector<nlohmann::json> grouped_by_section(const std::vector<nlohmann::json>& records) {
  std::vector<nlohmann::json> grouped = records;
  std::stable_partition(grouped.begin(), grouped.end(), [](const nlohmann::json& record) {
    return section_of(record) == Section::engine;
  });
  return grouped;
}

}  // namespace

std::string render(const std::vector<nlohmann::json>& records, Format format) {
  if (format == Format::html) return render_html(records);
  const bool sectioned = format == Format::table || format == Format::md;
  const std::vector<nlohmann::json> ordered = sectioned ? grouped_by_section(records) : records;
  std::ostringstream out;
  std::unique_ptr<RowSink> sink = make_sink(format, out, ordered);
  for (const nlohmann::json& record : ordered) sink->add(record);
  sink->finish();
  return out.str();
}

}  // namespace memwall::report
