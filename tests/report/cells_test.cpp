#include "cells.hpp"

#include <gtest/gtest.h>

#include "svg_chart.hpp"

namespace memwall::report {
namespace {

TEST(Cells, NumbersKeepFourSignificantDigitsAtMost) {
  EXPECT_EQ(format_number(12345.6), "12346");
  EXPECT_EQ(format_number(1234.4), "1234");
  EXPECT_EQ(format_number(123.44), "123.4");
  EXPECT_EQ(format_number(12.344), "12.34");
  EXPECT_EQ(format_number(1.2344), "1.234");
  EXPECT_EQ(format_number(0.012344), "0.0123");
  EXPECT_EQ(format_number(0.0), "0");
  EXPECT_EQ(format_number(std::nullopt), "-");
}

TEST(Cells, SpreadHasTheDecimalsOfTheValue) {
  EXPECT_EQ(format_plus_minus(95.071, 0.2481), "95.07 ± 0.25");
  EXPECT_EQ(format_plus_minus(1520.4, 12.6), "1520 ± 13");
  EXPECT_EQ(format_plus_minus(28.1, std::nullopt), "28.10");
  EXPECT_EQ(format_plus_minus(std::nullopt, 1.0), "-");
}

TEST(Cells, PercentAndSizes) {
  EXPECT_EQ(format_percent(0.71349), "71.3");
  EXPECT_EQ(format_percent(std::nullopt), "-");
  EXPECT_EQ(format_size(1.5 * 1024 * 1024 * 1024), "1.5 GiB");
  EXPECT_EQ(format_size(std::nullopt), "-");
}

nlohmann::json point(nlohmann::json fields) {
  nlohmann::json record = {{"point", {{"prompt", 128}, {"gen", 64}, {"depth", 0}}}};
  record["point"].update(fields);
  return record;
}

TEST(Cells, TestLabelsNameTheTestAndTheLoad) {
  EXPECT_EQ(test_label(point({{"test", "pp"}, {"prompt", 512}})), "pp512");
  EXPECT_EQ(test_label(point({{"test", "tg"}, {"gen", 128}, {"depth", 4096}})), "tg128 @d4096");
  EXPECT_EQ(test_label(point({{"test", "serve"}, {"concurrency", 4}, {"rate", nullptr}})),
            "c4 p128 n64");
  EXPECT_EQ(test_label(point({{"test", "serve"}, {"concurrency", nullptr}, {"rate", 2.5}})),
            "r2.5/s p128 n64");
  EXPECT_EQ(test_label(point({{"test", "serve"}, {"concurrency", 8}, {"rate", 2}})),
            "r2/s c<=8 p128 n64");
  EXPECT_EQ(test_label(point({{"test", "serve"}, {"concurrency", 8}, {"prefill_budget", 128}})),
            "c8 p128 n64 b128");
  EXPECT_EQ(test_label(point({{"test", "pp"}, {"prompt", 512}, {"prefill_budget", 512}})), "pp512");
  EXPECT_EQ(test_label(nlohmann::json::object()), "-");
}

TEST(Cells, ModelLabelIsTheFileNameOfAPath) {
  EXPECT_EQ(model_label(point({{"model", "/models/Llama-3.1-8B-Q4_K_M.gguf"}})),
            "Llama-3.1-8B-Q4_K_M.gguf");
  EXPECT_EQ(model_label(point({{"model", "preset:llama-3.1-8b"}})), "llama-3.1-8b");
  EXPECT_EQ(model_label(point({{"model", "Qwen/Qwen3-8B"}})), "Qwen/Qwen3-8B");
}

TEST(Cells, NotesCarryReasonErrorsAndWarnings) {
  const nlohmann::json record = {{"status", "failed"},
                                 {"reason", "timeout"},
                                 {"requests", {{"errors", {{"http_500", 2}, {"timeout", 1}}}}},
                                 {"warnings", {"debug build"}}};
  EXPECT_EQ(notes(record), "failed: timeout; request errors: http_500 2, timeout 1; debug build");
  EXPECT_EQ(notes({{"status", "skipped"}}), "skipped");
  EXPECT_EQ(notes({{"status", "ok"}}), "");
  const nlohmann::json tracked = {{"status", "ok"},
                                  {"roofline", {{"read_gbs_around", {{"n", 4}, {"median", 31.24}}}, {"efficiency_around", 0.894}}},
                                  {"warnings", {"debug build"}}};
  EXPECT_EQ(notes(tracked), "roofline 89% of the 31.2 GB/s read around it; debug build");
  const nlohmann::json prompt = {{"status", "ok"},
                                 {"roofline", {{"compute_gops_around", {{"n", 4}, {"median", 2084.5}}}, {"prefill_efficiency_around", 0.44}}}};
  EXPECT_EQ(notes(prompt), "prefill 44% of the 2084 GOPS compute around it");
}

TEST(Charts, NiceTicksCoverTheRangeInRoundSteps) {
  EXPECT_EQ(nice_ticks(78.4), (std::vector<double>{0, 20, 40, 60, 80}));
  EXPECT_EQ(nice_ticks(100), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(nice_ticks(5930), (std::vector<double>{0, 2000, 4000, 6000}));
  const std::vector<double> small = nice_ticks(0.9);
  ASSERT_EQ(small.size(), 6u);
  EXPECT_DOUBLE_EQ(small[1], 0.2);
  EXPECT_DOUBLE_EQ(small.back(), 1.0);
  EXPECT_EQ(nice_ticks(0), (std::vector<double>{0, 1}));
}

}  // namespace
}  // namespace memwall::report
