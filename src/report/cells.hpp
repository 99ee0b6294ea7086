#pragma once
// How one value of a record reads in a human table (console, Markdown, HTML): the precision a
// reader needs, units where the header cannot carry them, and "-" for a value the row lacks.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace memwall::report {

inline constexpr std::string_view kMissing = "-";

// Four significant digits at most, no more decimals than a measurement deserves:
// 12345 -> "12345", 1234.5 -> "1234", 123.45 -> "123.5", 12.345 -> "12.35", 0.01234 -> "0.0123".
std::string format_number(double value);
std::string format_number(std::optional<double> value);  // kMissing when absent

// Counts (threads, tokens): "8"; kMissing when absent.
std::string format_integer(std::optional<double> value);

// "123.5 ± 1.2": the spread with as many decimals as the value.
std::string format_plus_minus(std::optional<double> value, std::optional<double> stddev);

// A fraction as a percentage with one decimal: 0.7134 -> "71.3".
std::string format_percent(std::optional<double> fraction);

// Binary units ("1.50 GiB"); kMissing when absent.
std::string format_size(std::optional<double> bytes);

// The test as llama-bench names it, plus the serving load: "pp512", "tg128 @d4096",
// "c4 p128 n64" (closed loop), "r2.5/s p128 n64" (open loop), "r2.5/s c<=8 ..." with a cap.
std::string test_label(const nlohmann::json& record);

// The model as a reader knows it: a GGUF path's file name, a preset's name ("preset:" dropped: no
// file name ends without ".gguf"), a server's model name as it is.
std::string model_label(const nlohmann::json& record);

// Why a row is not a measurement ("failed: out of memory", "skipped: ..."), failed requests by
// kind, and the record's warnings, joined by "; ".
std::string notes(const nlohmann::json& record);

}  // namespace memwall::report
