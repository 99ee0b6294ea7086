// Pairing points across files: missing, extra, failed, repeated points and other hardware.
#include <gtest/gtest.h>

#include "generated_runs.hpp"
#include "memwall/check/compare.hpp"

namespace memwall::check {
namespace {

using testing::RecordSpec;

RecordSpec run(const PointKey& point, double tok_s, Rng& rng) {
  RecordSpec spec;
  spec.point = point;
  spec.samples[point.test == "pp" ? "pp_tok_s" : "tg_tok_s"] = testing::noisy(tok_s, 0.01, 5, rng);
  return spec;
}

Result<CheckReport> check(const std::vector<RecordSpec>& base, const std::vector<RecordSpec>& cur,
                          const CheckOptions& options = {}) {
  return run_check(testing::record_file("baseline.jsonl", base),
                   testing::record_file("current.jsonl", cur), options);
}

const Note* find_note(const CheckReport& r, NoteKind kind) {
  for (const Note& n : r.notes) {
    if (n.kind == kind) return &n;
  }
  return nullptr;
}

TEST(Match, MissingAndExtraPointsAreListedAndDoNotFail) {
  Rng rng(1);
  const PointKey a = testing::tg_point("Q4_0"), b = testing::tg_point("Q8_0"),
                 c = testing::pp_point();
  const Result<CheckReport> r =
      check({run(a, 100, rng), run(b, 80, rng)}, {run(b, 80, rng), run(c, 900, rng)});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->comparisons.size(), 1u);
  EXPECT_EQ(r->comparisons[0].point, b);
  const Note* only_base = find_note(*r, NoteKind::BaselineOnly);
  const Note* only_cur = find_note(*r, NoteKind::CurrentOnly);
  ASSERT_NE(only_base, nullptr);
  ASSERT_NE(only_cur, nullptr);
  EXPECT_EQ(only_base->point, a);
  EXPECT_EQ(only_cur->point, c);
  EXPECT_FALSE(r->failed());
}

TEST(Match, EveryParameterSeparatesPoints) {
  Rng rng(2);
  const PointKey base_point = testing::tg_point();
  std::vector<PointKey> variants(9, base_point);
  variants[0].threads = 4;
  variants[1].depth = 512;
  variants[2].gen = 64;
  variants[3].prompt = 16;
  variants[4].kv_type = "q8_0";
  variants[5].scheme = "Q8_0";
  variants[6].model = "preset:tiny-moe";
  variants[7].backend = "openai-completions";
  variants[8].endpoint = "http://127.0.0.1:8080";
  for (const PointKey& v : variants) {
    const Result<CheckReport> r =
        check({run(base_point, 100, rng), run(v, 100, rng)}, {run(v, 100, rng)});
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->comparisons.size(), 1u) << point_label(v);
    EXPECT_EQ(r->comparisons[0].point, v);
    EXPECT_EQ(r->count(NoteKind::BaselineOnly), 1u);
  }
}

TEST(Match, NoPointInCommonIsAnError) {
  Rng rng(3);
  const Result<CheckReport> r =
      check({run(testing::tg_point("Q4_0"), 100, rng)}, {run(testing::tg_point("Q8_0"), 100, rng)});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no point of current.jsonl matches"), std::string::npos)
      << r.error().message;
}

TEST(Match, HardwareMismatchIsAnInputErrorUnlessAllowed) {
  Rng rng(4);
  RecordSpec base = run(testing::tg_point(), 100, rng), cur = run(testing::tg_point(), 100, rng);
  cur.fingerprint = "0123456789abcdef";
  cur.cpu = "Other CPU 1";
  const Result<CheckReport> refused = check({base}, {cur});
  ASSERT_FALSE(refused.ok());
  const std::string& message = refused.error().message;
  EXPECT_NE(message.find("hardware differs"), std::string::npos) << message;
  EXPECT_NE(message.find(testing::kFingerprint), std::string::npos) << message;
  EXPECT_NE(message.find("0123456789abcdef"), std::string::npos) << message;
  EXPECT_NE(message.find("baseline.jsonl:1"), std::string::npos) << message;
  EXPECT_NE(message.find("--allow-hardware-mismatch"), std::string::npos) << message;

  CheckOptions allow;
  allow.allow_hardware_mismatch = true;
  const Result<CheckReport> allowed = check({base}, {cur}, allow);
  ASSERT_TRUE(allowed.ok()) << allowed.error().message;
  EXPECT_EQ(allowed->comparisons.size(), 1u);
  ASSERT_EQ(allowed->hardware_mismatches.size(), 1u);
  EXPECT_EQ(allowed->hardware_mismatches[0].current_cpu, "Other CPU 1");
}

// With results from several machines in one file, each point pairs with its own machine's.
TEST(Match, SameFingerprintIsPreferred) {
  Rng rng(5);
  RecordSpec base = run(testing::tg_point(), 100, rng), other = run(testing::tg_point(), 50, rng),
             same = run(testing::tg_point(), 100, rng);
  other.fingerprint = "0123456789abcdef";
  const Result<CheckReport> r = check({base}, {other, same});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->comparisons.size(), 1u);
  EXPECT_EQ(r->comparisons[0].current.line, 2u);
  EXPECT_EQ(r->comparisons[0].verdict, Verdict::NoChange);
  EXPECT_EQ(r->count(NoteKind::CurrentOnly), 1u);
}

TEST(Match, PointThatFailsNowFailsTheCheck) {
  Rng rng(6);
  const PointKey a = testing::tg_point("Q4_0"), b = testing::tg_point("Q8_0");
  RecordSpec broken;
  broken.point = b;
  broken.status = "failed";
  broken.reason = "engine error: out of memory";
  const Result<CheckReport> r =
      check({run(a, 100, rng), run(b, 80, rng)}, {run(a, 100, rng), broken});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Note* failed = find_note(*r, NoteKind::FailedInCurrent);
  ASSERT_NE(failed, nullptr);
  EXPECT_NE(failed->detail.find("out of memory"), std::string::npos);
  EXPECT_EQ(r->count(Verdict::Regression), 0u);
  EXPECT_TRUE(r->failed());
}

TEST(Match, SkippedPointsAndBaselineFailuresAreReportedWithoutFailing) {
  Rng rng(7);
  const PointKey a = testing::tg_point("Q4_0"), b = testing::tg_point("Q8_0"),
                 c = testing::pp_point();
  RecordSpec skipped, base_failed;
  skipped.point = b;
  skipped.status = "skipped";
  skipped.reason = "KV cache would not fit";
  base_failed.point = c;
  base_failed.status = "failed";
  const Result<CheckReport> r = check({run(a, 100, rng), run(b, 80, rng), base_failed},
                                      {run(a, 100, rng), skipped, run(c, 900, rng)});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->count(NoteKind::SkippedInCurrent), 1u);
  EXPECT_EQ(r->count(NoteKind::NotOkInBaseline), 1u);
  EXPECT_FALSE(r->failed());
}

TEST(Match, EveryPointFailedInBothIsReportedNotCompared) {
  RecordSpec failed;
  failed.status = "failed";
  const Result<CheckReport> r = check({failed}, {failed});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->comparisons.empty());
  EXPECT_EQ(r->count(NoteKind::NotOkInBaseline), 1u);
  EXPECT_FALSE(r->failed());
}

TEST(Match, RepeatedPointUsesTheLaterLine) {
  Rng rng(8);
  const PointKey a = testing::tg_point();
  const Result<CheckReport> r = check({run(a, 50, rng), run(a, 100, rng)}, {run(a, 100, rng)});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->comparisons.size(), 1u);
  EXPECT_EQ(r->comparisons[0].baseline.line, 2u);
  EXPECT_EQ(r->comparisons[0].verdict, Verdict::NoChange);
  const Note* duplicate = find_note(*r, NoteKind::Duplicate);
  ASSERT_NE(duplicate, nullptr);
  EXPECT_NE(duplicate->detail.find("line 2 repeats line 1"), std::string::npos)
      << duplicate->detail;
}

TEST(Match, MetricMissingInTheCurrentRunIsNoted) {
  Rng rng(9);
  RecordSpec base = run(testing::serve_point(2), 0, rng), cur = base;
  base.samples = {{"agg_tok_s", testing::noisy(200, 0.01, 3, rng)},
                  {"ttft_ms", testing::noisy(30, 0.01, 30, rng)}};
  cur.samples = {{"agg_tok_s", testing::noisy(200, 0.01, 3, rng)}};
  const Result<CheckReport> r = check({base}, {cur});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->comparisons.size(), 1u);
  EXPECT_EQ(r->count(NoteKind::MetricMissing), 2u);  // ttft_p50 and ttft_p99
}

TEST(Match, NoSelectedMetricInAnyPointIsAnError) {
  Rng rng(10);
  CheckOptions options;
  options.metrics = *parse_metric_names({"itl_p99"});
  const Result<CheckReport> r =
      check({run(testing::tg_point(), 100, rng)}, {run(testing::tg_point(), 100, rng)}, options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("itl_p99"), std::string::npos);
}

TEST(Match, NormalizingWithoutBandwidthIsAnError) {
  Rng rng(11);
  RecordFile base = testing::record_file("baseline.jsonl", {run(testing::tg_point(), 100, rng)});
  const RecordFile cur =
      testing::record_file("current.jsonl", {run(testing::tg_point(), 100, rng)});
  base.records[0].read_gbs.reset();
  CheckOptions options;
  options.normalize_roofline = true;
  const Result<CheckReport> r = run_check(base, cur, options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("baseline.jsonl:1"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("read_gbs"), std::string::npos) << r.error().message;
}

TEST(Match, RegressionsAreListedFirst) {
  Rng rng(12);
  const PointKey a = testing::tg_point("Q4_0"), b = testing::tg_point("Q8_0");
  const Result<CheckReport> r =
      check({run(a, 100, rng), run(b, 100, rng)}, {run(a, 100, rng), run(b, 70, rng)});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->comparisons.size(), 2u);
  EXPECT_EQ(r->comparisons[0].point, b);
  EXPECT_EQ(r->comparisons[0].verdict, Verdict::Regression);
  EXPECT_TRUE(r->failed());
}

}  // namespace
}  // namespace memwall::check
