#pragma once
#include <string>

#include "memwall/fit/advisor.hpp"
#include "memwall/fit/calibrate.hpp"
#include "memwall/fit/compare.hpp"

namespace memwall::cli {

// `every_scheme`: one row per model and scheme; else one per model (its recommendation, or its
// smallest scheme when none meets the targets).
std::string format_fit(const fit::FitReport& report, bool every_scheme);
std::string format_plan(const fit::PlanReport& report);
std::string format_comparison(const fit::Comparison& comparison);
std::string format_calibration(const fit::Hardware& hw, const fit::CalibrationReport& report,
                               const std::string& stored_at);

}  // namespace memwall::cli
