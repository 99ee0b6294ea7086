#pragma once
// The figures of the HTML report, built from bench records (successful points only): per model
// and kind of load, aggregate tok/s, per-user tok/s and TTFT against concurrency (or arrival
// rate) with one line per quantization; tok/s of the engine-level tests; the roofline efficiency
// of every point.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace memwall::report {

// The figure sections of the page, each under its <h2>; a section with nothing to plot is left
// out, so the result is empty when no point succeeded. A quantization has one colour throughout.
std::string html_figures(const std::vector<nlohmann::json>& records);

}  // namespace memwall::report
