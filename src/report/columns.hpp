#pragma once
// The columns of the human tables (console, Markdown, HTML), declared once per section: a title for
// Markdown and HTML, a two-line header and a minimum width for the console, and how the cell reads.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "record_fields.hpp"

namespace memwall::report {

enum class Align { left, right };

struct Column {
  std::string_view title;         // Markdown and HTML header, with its unit
  std::string_view head1, head2;  // console header, two lines so numeric columns stay narrow
  std::size_t width;              // console width the usual values fit in
  Align align;
  bool on_console;  // the console leaves out what would push it past ~140 characters
  std::string (*cell)(const nlohmann::json& record);
};

// Engine-level sections show tok/s ± stddev; serving sections show aggregate and per-user tok/s and
// the latency percentiles. `predicted` adds the prediction beside the measurement.
std::vector<Column> human_columns(Section section, bool predicted);

// Text columns grow to their longest value, numeric ones keep their width (a wider value pushes
// its row, it is never cut). The last column (notes) is never padded.
bool is_text(const Column& column);

// Display width of UTF-8 text: code points, which is what "±" takes on a terminal.
std::size_t display_width(std::string_view text);

// The columns of the section `record` opens. Predicted columns appear when it, or any record of
// `known` in the same section, carries a prediction: `known` is every record when a whole file is
// rendered, empty when rows stream in.
std::vector<Column> section_columns(const nlohmann::json& record,
                                    std::span<const nlohmann::json> known);

}  // namespace memwall::report
