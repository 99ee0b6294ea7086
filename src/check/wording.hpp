#pragma once
// The words and number formats the Markdown, JUnit and JSON writers share, so a verdict reads the
// same in each.
#include <string>

#include "memwall/check/compare.hpp"

namespace memwall::check {

// Four significant figures without exponents for everyday magnitudes: 412.3, 12.05, 0.3174.
std::string format_value(double value);

// "+3.2%", "-10.2%"; "n/a" for an infinite change (a zero baseline).
std::string format_change(double change);

// "5%", "2.5%".
std::string format_percent(double fraction);

// regression | improvement | no change | within noise (beyond the tolerance, not significant).
std::string verdict_text(const Comparison& c);

// The noise test's evidence: "p=0.004", "ratio 0.91-0.97", or why there was none.
std::string noise_text(const Comparison& c);

// "only in the baseline", "failed in the current run", ...
std::string note_kind_text(NoteKind kind);

// Machine names used in JSON: "regression", "baseline_only", "higher", "median", ...
std::string verdict_id(Verdict verdict);
std::string note_kind_id(NoteKind kind);
std::string direction_id(Direction direction);
std::string statistic_id(Statistic statistic);

// "Tolerance 5% (ttft_p99 10%)."
std::string tolerance_text(const Tolerances& tolerances);

// How a verdict is reached, in one sentence, for the footers of the reports.
std::string method_text(const CheckOptions& options);

}  // namespace memwall::check
