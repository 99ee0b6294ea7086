#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "memwall/report/format.hpp"

namespace memwall::report {

// Renders a whole file of bench records. Rows keep their order within each kind of test, but
// engine-level rows (pp, tg) come before serving rows (serve), each kind under its own header,
// so the result equals a RowWriter fed the same records grouped that way. `table` sizes its text
// columns to the longest value; html is one self-contained page (inline CSS and SVG).
std::string render(const std::vector<nlohmann::json>& records, Format format);

}  // namespace memwall::report
