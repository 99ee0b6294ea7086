#pragma once
// The three ways a check report is written; each is a small file behind this one header.
#include <string>

#include "memwall/check/compare.hpp"

namespace memwall::check {

// A summary line, a table (point, metric, baseline, current, change, noise test, verdict;
// regressions first) and the points not compared: fit for a pull-request comment and readable in
// a terminal.
std::string render_markdown(const CheckReport& report);

// JUnit XML: one test case per point and metric (a regression is a failure), a failed point as a
// failure, points or metrics not compared as skipped.
std::string render_junit(const CheckReport& report);

// The report as JSON, documented in schemas/check-report.v1.schema.json.
std::string render_json(const CheckReport& report);

}  // namespace memwall::check
