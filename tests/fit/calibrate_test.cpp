// Calibration round trip: bench records synthesized from known efficiencies are fitted back to
// those efficiencies, stored beside the probe cache and loaded again.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "memwall/fit/calibrate.hpp"
#include "memwall/fit/compare.hpp"
#include "memwall/fit/predict.hpp"
#include "memwall/fit/schedule.hpp"
#include "memwall/fit/step_model.hpp"
#include "memwall/model/presets.hpp"
#include "support/schema.hpp"
#include "support/subprocess.hpp"

namespace memwall::fit {
namespace {

using nlohmann::json;

Hardware test_machine() {
  Hardware hw = parse_inline_hardware("bw=50,mem=32,tflops=1,int8=4,class=cpu").value();
  hw.name = "local";
  hw.bandwidth_basis = "measured";
  hw.fingerprint = "0123456789abcdef";
  return hw;
}

json stat(double value) { return {{"n", 3}, {"median", value}, {"mean", value}}; }

json record(const std::string& fingerprint, const std::string& status, const std::string& preset,
            model::Scheme scheme, const std::string& test, std::int64_t prompt, std::int64_t gen,
            std::int64_t depth, const json& stats, std::optional<std::int64_t> users = std::nullopt) {
  json samples = json::object();
  for (const auto& [metric, s] : stats.items()) samples[metric] = {s["median"]};
  return {{"schema", "memwall.bench.v1"},
          {"status", status},
          {"point", {{"backend", "engine"}, {"endpoint", nullptr}, {"model", "preset:" + preset},
                     {"scheme", model::scheme_info(scheme).name}, {"test", test}, {"threads", 8},
                     {"concurrency", users ? json(*users) : json(nullptr)}, {"rate", nullptr}, {"prompt", prompt},
                     {"gen", gen}, {"depth", depth}, {"kv_type", "f16"}, {"repetitions", 1},
                     {"requests", users ? json(4 * *users) : json(nullptr)}}},
          {"requests", {{"ok", users ? 4 * *users : 0}, {"failed", 0}, {"warmup", users ? 1 : 0}}},
          {"stats", stats},
          {"samples", samples},
          {"roofline", {{"read_gbs", 50.0}}},
          {"provenance", {{"memwall_version", "0.1.0"}, {"git_commit", "abc"}, {"build_type", "Release"},
                          {"compiler", "GNU 12"}, {"cpu_model", "test"}, {"isa", "avx2"},
                          {"hardware_fingerprint", fingerprint}, {"timestamp", "2026-01-01T00:00:00Z"}}}};
}

std::vector<double> step_times(const Hardware& hw, const ModelShape& shape, const std::vector<StepLoad>& steps) {
  std::vector<double> out;
  for (const StepLoad& l : steps) {
    out.push_back(step_seconds(hw.efficiency, shape.spec.n_layers, shape.quantized,
                               step_cost(shape, hw.efficiency.bandwidth_at(hw.bandwidth_gbps) * 1e9,
                                         compute_peak_tflops(hw, shape.quantized) * 1e12,
                                         hw.compute_tflops * 1e12, l),
                               hw.core_round_trip_ns));
  }
  return out;
}

double weighted(const std::vector<double>& w, const std::vector<double>& t) {
  double s = 0;
  for (std::size_t i = 0; i < w.size(); ++i) s += w[i] * t[i];
  return s;
}

// What bench would record for tg N: a one-token prompt, then N timed decode steps.
double tg_tok_s(const Hardware& hw, const ModelShape& shape, std::int64_t gen, std::int64_t depth) {
  const Schedule s = closed_loop_schedule(shape, {1, 1, gen + 1, depth, 1, 0, 512, 512, quant::TensorType::F16});
  return 1 / weighted(serving_weights(s).tpot, step_times(hw, shape, s.steps));
}

// What bench would record for a closed-loop point: the aggregate, and the mean TPOT and TTFT.
json serving_stats(const Hardware& hw, const ModelShape& shape, std::int64_t users) {
  const Schedule s = closed_loop_schedule(shape, {users, 128, 32, 0, 4 * users, 1, 512, 512, quant::TensorType::F16});
  const ServingWeights w = serving_weights(s);
  const std::vector<double> t = step_times(hw, shape, s.steps);
  return {{"agg_tok_s", stat(w.window_tokens / weighted(w.window, t))},
          {"tpot_ms", stat(1e3 * weighted(w.tpot, t))},
          {"per_user_tok_s", stat(1 / weighted(w.tpot, t))},
          {"ttft_ms", stat(1e3 * weighted(w.ttft, t))}};
}

class FitCalibration : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("fit-calibration");
    truth_ = test_machine();
    // Float weights, decode tokens and attention each with an efficiency of their own.
    truth_.efficiency = {0.8, 30.0, 0.4, 0.0, true, "truth", 0.6, 0.7, 0.5, 0.0, 0.15};
    std::ofstream out(dir_ / "results.jsonl");
    for (const char* preset : {"llama-3.2-1b", "qwen2.5-0.5b"}) {
      for (model::Scheme scheme : {model::Scheme::F16, model::Scheme::Q8_0, model::Scheme::Q4_0}) {
        const ModelShape shape = shape_from_preset(model::find_preset(preset)->spec, scheme);
        for (std::int64_t depth : {0, 2048}) {
          const json stats{{"tg_tok_s", stat(tg_tok_s(truth_, shape, 64, depth))}};
          lines_.push_back(record(truth_.fingerprint, "ok", preset, scheme, "tg", 0, 64, depth, stats));
        }
        for (std::int64_t prompt : {256, 1024}) {
          const Prediction pp = predict_point(truth_, shape, {1, prompt, 0, 0, quant::TensorType::F16});
          const json stats{{"pp_tok_s", stat(pp.pp_tok_s)}};
          lines_.push_back(record(truth_.fingerprint, "ok", preset, scheme, "pp", prompt, 0, 0, stats));
        }
        for (std::int64_t users : {1, 4}) {
          lines_.push_back(record(truth_.fingerprint, "ok", preset, scheme, "serve", 128, 32, 0,
                                  serving_stats(truth_, shape, users), users));
        }
        // Noise the fit must ignore: another machine, a failed point.
        const json fast{{"tg_tok_s", stat(1e6)}};
        lines_.push_back(record("feedfacefeedface", "ok", preset, scheme, "tg", 0, 64, 0, fast));
        lines_.push_back(record(truth_.fingerprint, "failed", preset, scheme, "tg", 0, 64, 0, fast));
      }
    }
    for (const json& j : lines_) out << j.dump() << '\n';
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // `records` (lines_, marked) leave out the 6 usable tg64 points at depth 0 as moved: the
  // calibration skips them, and the comparison marks their rows alone and counts the others apart.
  void expect_only_tg64_at_depth_0_moved(const std::vector<json>& records) const {
    const Result<CalibrationReport> report = calibrate(test_machine(), records, "marked");
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->skipped_read_moved, 6);
    EXPECT_EQ(report->calibration.decode_points, 6);
    Hardware calibrated = test_machine();
    calibrated.efficiency = truth_.efficiency;
    const Comparison c = compare_records(calibrated, records);
    for (const ComparisonRow& row : c.rows) {
      EXPECT_EQ(row.read_moved, row.metric == "tg tok/s" && row.point == "tg64") << row.model << " " << row.point;
    }
    EXPECT_EQ(c.summary.front().steady_points, 6);
  }

  std::filesystem::path dir_;
  Hardware truth_;
  std::vector<json> lines_;
};

TEST_F(FitCalibration, SyntheticRecordsFollowTheBenchSchema) {
  for (const json& j : lines_) {
    const Status valid = testing::validate_against_schema(j, "bench-record.v1.schema.json");
    ASSERT_TRUE(valid.ok()) << valid.error().message;
  }
}

TEST_F(FitCalibration, RecoversTheEfficienciesTheRecordsWereMadeWith) {
  const Result<CalibrationReport> report = calibrate_file(test_machine(), dir_ / "results.jsonl");
  ASSERT_TRUE(report.ok()) << report.error().message;
  const Calibration& c = report->calibration;
  EXPECT_NEAR(c.efficiency.decode_bandwidth, 0.8, 1e-6);
  EXPECT_NEAR(c.efficiency.step_overhead_us_per_layer, 30.0, 1e-3);
  EXPECT_NEAR(c.efficiency.compute, 0.4, 1e-6);
  EXPECT_DOUBLE_EQ(c.efficiency.compute_overlap, 0.0);
  EXPECT_NEAR(c.efficiency.compute_for(false), 0.6, 1e-6);        // F16 records: fitted on their own
  EXPECT_NEAR(c.efficiency.compute_for(true, true), 0.7, 1e-6);   // decode tokens of 4 users
  EXPECT_NEAR(c.efficiency.compute_for(false, true), 0.5, 1e-6);
  EXPECT_NEAR(c.efficiency.attention, 0.15, 1e-6);                // the tg records at depth 2048
  EXPECT_EQ(c.decode_points, 12);
  EXPECT_EQ(c.depth_points, 6);
  EXPECT_EQ(c.prefill_points, 12);
  EXPECT_EQ(c.serving_points, 12);
  EXPECT_LT(c.decode_rms_rel_error, 1e-6);
  EXPECT_LT(c.serving_rms_rel_error, 1e-6);
  EXPECT_EQ(report->skipped_other_machine, 6);
  EXPECT_EQ(report->skipped_not_ok, 6);
  EXPECT_EQ(report->rows.size(), 24u + 12u * 3);  // a serving point gives its aggregate, TPOT and TTFT
  EXPECT_TRUE(c.efficiency.calibrated);
}

// Two sizes of model, one of them also in Q4_K_M: with attention fitted too, the depth points of one
// size alone cannot tell the bandwidth from the overhead per step.
constexpr std::pair<const char*, model::Scheme> kMixedFiles[] = {
    {"llama-3.2-1b", model::Scheme::Q8_0}, {"llama-3.2-1b", model::Scheme::Q4_K_M}, {"qwen2.5-0.5b", model::Scheme::Q8_0}};

// The records `truth` gives for kMixedFiles: tg64 at depths 0 and 2048, serving at 1 and 4 users, and
// with_prompts, pp256 and pp1024.
std::vector<json> mixed_file_records(const Hardware& truth, bool with_prompts) {
  std::vector<json> lines;
  for (const auto& [preset, scheme] : kMixedFiles) {
    const ModelShape shape = shape_from_preset(model::find_preset(preset)->spec, scheme);
    for (std::int64_t depth : {0, 2048}) {
      const json stats{{"tg_tok_s", stat(tg_tok_s(truth, shape, 64, depth))}};
      lines.push_back(record(truth.fingerprint, "ok", preset, scheme, "tg", 0, 64, depth, stats));
    }
    for (std::int64_t prompt : with_prompts ? std::vector<std::int64_t>{256, 1024} : std::vector<std::int64_t>{}) {
      const Prediction pp = predict_point(truth, shape, {1, prompt, 0, 0, quant::TensorType::F16});
      lines.push_back(record(truth.fingerprint, "ok", preset, scheme, "pp", prompt, 0, 0, {{"pp_tok_s", stat(pp.pp_tok_s)}}));
    }
    for (std::int64_t users : {1, 4}) {
      lines.push_back(record(truth.fingerprint, "ok", preset, scheme, "serve", 128, 32, 0,
                             serving_stats(truth, shape, users), users));
    }
  }
  return lines;
}

// K-quant weights stream at a bandwidth efficiency of their own once records of a model mostly in
// them stand beside records of one that is not; without such records it falls back (0).
TEST(FitCalibrationSuperBlocks, KQuantWeightsGetTheirOwnBandwidthEfficiency) {
  Hardware truth = test_machine();
  truth.efficiency = {0.8, 30.0, 0.4, 0.0, true, "truth", 0.6, 0.7, 0.5, 0.65, 0.15};
  for (const auto& [preset, scheme] : kMixedFiles) {
    const ModelShape shape = shape_from_preset(model::find_preset(preset)->spec, scheme);
    EXPECT_EQ(shape.superblock_share > 0.9, scheme == model::Scheme::Q4_K_M) << shape.superblock_share;
  }
  std::vector<json> lines = mixed_file_records(truth, false);
  const Result<CalibrationReport> both = calibrate(test_machine(), lines, "both");
  ASSERT_TRUE(both.ok()) << both.error().message;
  EXPECT_NEAR(both->calibration.efficiency.decode_bandwidth, 0.8, 1e-6);
  EXPECT_NEAR(both->calibration.efficiency.superblock_bandwidth, 0.65, 1e-6);
  EXPECT_NEAR(both->calibration.efficiency.attention, 0.15, 1e-6);
  EXPECT_NEAR(both->calibration.efficiency.step_overhead_us_per_layer, 30.0, 1e-3);

  lines.erase(std::remove_if(lines.begin(), lines.end(), [](const json& j) { return j["point"]["scheme"] == "Q4_K_M"; }),
              lines.end());
  const Result<CalibrationReport> plain = calibrate(test_machine(), lines, "plain");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_DOUBLE_EQ(plain->calibration.efficiency.superblock_bandwidth, 0.0);
  EXPECT_DOUBLE_EQ(plain->calibration.efficiency.bandwidth_for_superblocks(), plain->calibration.efficiency.decode_bandwidth);
}

// Prompts over quantized types other than Q8_0 and Q4_0 (a Q4_K_M file's K-quants) get a compute
// efficiency of their own once pp records of such a model stand beside pp records of one in Q8_0
// or Q4_0 (an AMX CPU's tiles take only those); without them it falls back (0), and a Q8_0 file
// has none of its layers' parameters in such types.
TEST(FitCalibrationOtherQuant, OtherQuantizedTypesGetTheirOwnPromptEfficiency) {
  Hardware truth = test_machine();
  truth.efficiency = {0.8, 30.0, 0.4, 0.0, true, "truth", 0.6, 0.7, 0.5, 0.65, 0.15};
  truth.efficiency.compute_other_quant = 0.25;
  for (const auto& [preset, scheme] : kMixedFiles) {
    const ModelShape shape = shape_from_preset(model::find_preset(preset)->spec, scheme);
    EXPECT_EQ(shape.other_quant_layer_share > 0.9, scheme == model::Scheme::Q4_K_M) << shape.other_quant_layer_share;
    if (scheme == model::Scheme::Q8_0) {
      EXPECT_EQ(shape.other_quant_layer_share, 0.0);
    }
  }
  std::vector<json> lines = mixed_file_records(truth, true);
  const Result<CalibrationReport> both = calibrate(test_machine(), lines, "both");
  ASSERT_TRUE(both.ok()) << both.error().message;
  EXPECT_NEAR(both->calibration.efficiency.compute, 0.4, 1e-6);
  EXPECT_NEAR(both->calibration.efficiency.compute_other_quant, 0.25, 1e-6);
  EXPECT_LT(both->calibration.prefill_rms_rel_error, 1e-6);

  lines.erase(std::remove_if(lines.begin(), lines.end(), [](const json& j) { return j["point"]["scheme"] == "Q4_K_M"; }),
              lines.end());
  const Result<CalibrationReport> plain = calibrate(test_machine(), lines, "plain");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_DOUBLE_EQ(plain->calibration.efficiency.compute_other_quant, 0.0);
  EXPECT_DOUBLE_EQ(plain->calibration.efficiency.compute_for_other_quant(), plain->calibration.efficiency.compute);
}

TEST_F(FitCalibration, StoredBesideTheProbeCacheAndUsedFromThenOn) {
  ASSERT_EQ(setenv("XDG_CACHE_HOME", (dir_ / "cache").c_str(), 1), 0);
  const Calibration c = calibrate_file(test_machine(), dir_ / "results.jsonl")->calibration;
  ASSERT_TRUE(store_calibration(c).ok());
  EXPECT_TRUE(std::filesystem::exists(dir_ / "cache" / "memwall" / "fit-0123456789abcdef.json"));
  const std::optional<Calibration> loaded = load_calibration("0123456789abcdef");
  ASSERT_TRUE(loaded.has_value());
  EXPECT_DOUBLE_EQ(loaded->efficiency.decode_bandwidth, c.efficiency.decode_bandwidth);
  EXPECT_DOUBLE_EQ(loaded->efficiency.step_overhead_us_per_layer, c.efficiency.step_overhead_us_per_layer);
  EXPECT_DOUBLE_EQ(loaded->efficiency.compute, c.efficiency.compute);
  EXPECT_DOUBLE_EQ(loaded->efficiency.compute_overlap, c.efficiency.compute_overlap);
  EXPECT_DOUBLE_EQ(loaded->efficiency.compute_float, c.efficiency.compute_float);
  EXPECT_DOUBLE_EQ(loaded->efficiency.compute_decode, c.efficiency.compute_decode);
  EXPECT_DOUBLE_EQ(loaded->efficiency.compute_decode_float, c.efficiency.compute_decode_float);
  EXPECT_DOUBLE_EQ(loaded->efficiency.superblock_bandwidth, c.efficiency.superblock_bandwidth);
  EXPECT_DOUBLE_EQ(loaded->efficiency.compute_other_quant, c.efficiency.compute_other_quant);
  EXPECT_TRUE(loaded->efficiency.calibrated);
  EXPECT_FALSE(load_calibration("another-machine").has_value());

  Hardware calibrated = test_machine();
  calibrated.efficiency = loaded->efficiency;
  const ModelShape shape = shape_from_preset(model::find_preset("llama-3.2-1b")->spec, model::Scheme::Q8_0);
  const PointParams point{4, 128, 64, 2048, quant::TensorType::F16};
  EXPECT_NEAR(predict_point(calibrated, shape, point).tg_tok_s / predict_point(truth_, shape, point).tg_tok_s, 1.0, 1e-6);
  EXPECT_NEAR(predict_point(calibrated, shape, point).agg_tok_s / predict_point(truth_, shape, point).agg_tok_s, 1.0, 1e-6);
  EXPECT_NE(predict_point(calibrated, shape, point).basis.find("calibrated on this machine"), std::string::npos);
  unsetenv("XDG_CACHE_HOME");
}

TEST_F(FitCalibration, WithoutServingPointsTheOverlapIsTheClassDefault) {
  std::vector<json> engine_only;
  for (const json& j : lines_) {
    if (j["point"]["test"] != "serve") engine_only.push_back(j);
  }
  const Result<CalibrationReport> report = calibrate(test_machine(), engine_only, "engine-only");
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->calibration.serving_points, 0);
  EXPECT_DOUBLE_EQ(report->calibration.efficiency.compute_overlap, default_efficiency(DeviceClass::cpu).compute_overlap);
  // The records were made with overlap 0, the class default is 1: the fit does its best at 1.
  EXPECT_GT(report->calibration.efficiency.decode_bandwidth, 0.5);
  EXPECT_LT(report->calibration.efficiency.decode_bandwidth, 1.0);
  EXPECT_EQ(report->rows.size(), 24u);
}

TEST_F(FitCalibration, OneDisturbedPointDoesNotPullTheConstants) {
  std::vector<json> disturbed = lines_;
  for (json& j : disturbed) {
    if (j["point"]["test"] == "tg" && j["provenance"]["hardware_fingerprint"] == truth_.fingerprint) {
      j["stats"]["tg_tok_s"]["median"] = j["stats"]["tg_tok_s"]["median"].get<double>() / 3;  // a busy host
      break;
    }
  }
  const Result<CalibrationReport> report = calibrate(test_machine(), disturbed, "disturbed");
  ASSERT_TRUE(report.ok()) << report.error().message;
  const Efficiency& e = report->calibration.efficiency;
  EXPECT_NEAR(e.decode_bandwidth, 0.8, 0.8 * 0.01);
  EXPECT_NEAR(e.step_overhead_us_per_layer, 30.0, 3.0);
  EXPECT_NEAR(e.compute, 0.4, 0.4 * 0.01);
  EXPECT_NEAR(e.compute_for(true, true), 0.7, 0.7 * 0.03);
}

TEST_F(FitCalibration, DecodeTokensFallBackToThePromptsEfficiencyWithoutSeveralUsers) {
  std::vector<json> single_user;
  for (const json& j : lines_) {
    if (j["point"]["test"] != "serve" || j["point"]["concurrency"] == 1) single_user.push_back(j);
  }
  const Result<CalibrationReport> report = calibrate(test_machine(), single_user, "single-user");
  ASSERT_TRUE(report.ok()) << report.error().message;
  const Efficiency& e = report->calibration.efficiency;
  EXPECT_DOUBLE_EQ(e.compute_decode, 0.0);
  EXPECT_DOUBLE_EQ(e.compute_decode_float, 0.0);
  EXPECT_DOUBLE_EQ(e.compute_for(true, true), e.compute_for(true));
  EXPECT_DOUBLE_EQ(e.compute_for(false, true), e.compute_for(false));
}

// Without a point at a depth, attention's FLOPs stay with its tokens' arithmetic (0), and the
// predictions at depth are what they were before attention had an efficiency of its own.
TEST_F(FitCalibration, AttentionFallsBackToItsTokensArithmeticWithoutPointsAtDepth) {
  std::vector<json> shallow;
  for (const json& j : lines_) {
    if (j["point"]["depth"] == 0) shallow.push_back(j);
  }
  const Result<CalibrationReport> report = calibrate(test_machine(), shallow, "shallow");
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_DOUBLE_EQ(report->calibration.efficiency.attention, 0.0);
  EXPECT_EQ(report->calibration.depth_points, 0);

  // With it, a deep decode step costs its attention at the float peak and that efficiency.
  Hardware hw = test_machine();
  hw.efficiency = report->calibration.efficiency;
  const ModelShape shape = shape_from_preset(model::find_preset("llama-3.2-1b")->spec, model::Scheme::Q4_0);
  const PointParams deep{1, 0, 64, 8192, quant::TensorType::F16};
  const double merged_ms = predict_point(hw, shape, deep).step_ms;
  hw.efficiency.attention = 0.01;
  const double apart_ms = predict_point(hw, shape, deep).step_ms;
  const double attention_ms = 1e3 * shape.attention_flops(8192 + 32) / (hw.compute_tflops * 1e12 * 0.01);
  EXPECT_GT(apart_ms, merged_ms);
  EXPECT_GT(apart_ms, attention_ms);
  EXPECT_NE(predict_point(hw, shape, deep).basis.find("attention 1 TFLOPS x 0.010"), std::string::npos)
      << predict_point(hw, shape, deep).basis;
}

TEST(FitCalibrationFile, WrittenBeforeDecodeEfficienciesItLoadsWithThemFallingBack) {
  Calibration c;
  c.fingerprint = "0123456789abcdef";
  c.efficiency = {0.6, 2.0, 0.4, 0.5, true, "", 0.7, 0.3, 0.2};
  nlohmann::json j = calibration_to_json(c);
  const Result<Calibration> round_trip = calibration_from_json(j);
  ASSERT_TRUE(round_trip.ok()) << round_trip.error().message;
  EXPECT_DOUBLE_EQ(round_trip->efficiency.compute_decode, 0.3);
  EXPECT_DOUBLE_EQ(round_trip->efficiency.compute_decode_float, 0.2);
  j.erase("compute_decode_efficiency");
  j.erase("compute_decode_float_efficiency");
  j.erase("tracked_points");
  const Result<Calibration> older = calibration_from_json(j);
  ASSERT_TRUE(older.ok()) << older.error().message;
  EXPECT_DOUBLE_EQ(older->efficiency.compute_for(true, true), 0.4);
  EXPECT_DOUBLE_EQ(older->efficiency.compute_for(false, true), 0.7);
  EXPECT_EQ(older->tracked_points, 0);
}

TEST_F(FitCalibration, ComparisonPutsThePredictionBesideEachMeasurement) {
  Hardware calibrated = test_machine();
  calibrated.efficiency = truth_.efficiency;
  const Comparison c = compare_records(calibrated, lines_);
  // 12 tg and 12 pp points; 12 serving points give per-user tok/s, aggregate and TTFT each.
  EXPECT_EQ(c.rows.size(), 24u + 36u);
  EXPECT_EQ(c.skipped, 12);
  for (const ComparisonRow& row : c.rows) {
    // Medians against means, and tg's 64 steps against the prediction's 63: close, not equal.
    if (row.metric == "agg tok/s" || row.metric == "pp tok/s") {
      EXPECT_NEAR(row.error(), 0.0, 1e-9) << row.model << " " << row.point << " " << row.metric;
    } else {
      EXPECT_NEAR(row.error(), 0.0, 0.05) << row.model << " " << row.point << " " << row.metric;
    }
  }
  ASSERT_FALSE(c.summary.empty());
  EXPECT_EQ(c.summary.front().metric, "tg tok/s");
  EXPECT_EQ(c.summary.front().within_10, 12);
  // A point at a depth says so, as bench names it.
  EXPECT_EQ(std::count_if(c.rows.begin(), c.rows.end(), [](const ComparisonRow& r) { return r.point == "tg64 @d2048"; }), 6);
}

// Records that streamed faster than the read around them: the fit holds the bandwidth efficiency at
// 1, refits the rest, and says so.
TEST_F(FitCalibration, NeverStreamsFasterThanTheRead) {
  std::vector<json> tracked = lines_;
  for (json& j : tracked) j["roofline"]["read_gbs_around"] = stat(30.0);  // made at 0.8 of 50: 1.33 of it
  const Result<CalibrationReport> report = calibrate(test_machine(), tracked, "tracked");
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_DOUBLE_EQ(report->calibration.efficiency.decode_bandwidth, 1.0);
  ASSERT_EQ(report->warnings.size(), 1u);
  EXPECT_NE(report->warnings[0].find("faster than the read bandwidth; held at the read"), std::string::npos)
      << report->warnings[0];
  // The records made below the read fit freely, with no warning.
  const Result<CalibrationReport> plain = calibrate(test_machine(), lines_, "plain");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_NEAR(plain->calibration.efficiency.decode_bandwidth, 0.8, 1e-6);
  EXPECT_TRUE(plain->warnings.empty());
}

// Records whose batched float decode took less time than its arithmetic needs at the compute peak
// (made at twice it): the fit holds that efficiency at 1, refits the rest, and says so.
TEST(FitCalibrationPeak, NeverComputesFasterThanThePeak) {
  Hardware truth = test_machine();
  truth.efficiency = {0.8, 30.0, 0.4, 0.0, true, "truth", 0.6, 0.7, 2.0};
  std::vector<json> lines;
  for (const char* preset : {"llama-3.2-1b", "qwen2.5-0.5b"}) {
    for (model::Scheme scheme : {model::Scheme::F16, model::Scheme::Q8_0}) {
      const ModelShape shape = shape_from_preset(model::find_preset(preset)->spec, scheme);
      lines.push_back(record(truth.fingerprint, "ok", preset, scheme, "tg", 0, 64, 0,
                             {{"tg_tok_s", stat(tg_tok_s(truth, shape, 64, 0))}}));
      const Prediction pp = predict_point(truth, shape, {1, 512, 0, 0, quant::TensorType::F16});
      lines.push_back(record(truth.fingerprint, "ok", preset, scheme, "pp", 512, 0, 0, {{"pp_tok_s", stat(pp.pp_tok_s)}}));
      for (std::int64_t users : {1, 4, 8}) {
        lines.push_back(record(truth.fingerprint, "ok", preset, scheme, "serve", 128, 32, 0,
                               serving_stats(truth, shape, users), users));
      }
    }
  }
  const Result<CalibrationReport> report = calibrate(test_machine(), lines, "fast float decode");
  ASSERT_TRUE(report.ok()) << report.error().message;
  const Efficiency& e = report->calibration.efficiency;
  EXPECT_DOUBLE_EQ(e.compute_for(false, true), 1.0);
  for (double compute : {e.compute_for(true), e.compute_for(false), e.compute_for(true, true)}) EXPECT_LE(compute, 1.0);
  ASSERT_EQ(report->warnings.size(), 1u);
  EXPECT_NE(report->warnings[0].find("faster than the compute peak; held at the peak"), std::string::npos)
      << report->warnings[0];
}

// A record bench made with --track-bandwidth is predicted, and fitted, against the read around it.
TEST_F(FitCalibration, TheReadAroundARunIsTheBandwidthItIsPredictedAt) {
  std::vector<json> tracked = lines_;
  for (json& j : tracked) j["roofline"]["read_gbs_around"] = stat(100.0);  // twice the probe's 50
  Hardware calibrated = test_machine();
  calibrated.efficiency = truth_.efficiency;
  const Comparison plain = compare_records(calibrated, lines_), around = compare_records(calibrated, tracked);
  ASSERT_EQ(plain.rows.size(), around.rows.size());
  for (std::size_t i = 0; i < plain.rows.size(); ++i) {
    EXPECT_FALSE(plain.rows[i].read_around);
    EXPECT_DOUBLE_EQ(plain.rows[i].read_gbps, 50.0);
    EXPECT_TRUE(around.rows[i].read_around);
    EXPECT_DOUBLE_EQ(around.rows[i].read_gbps, 100.0);
    if (plain.rows[i].metric == "tg tok/s") {
      EXPECT_GT(around.rows[i].predicted, 1.5 * plain.rows[i].predicted);
    }
  }
  EXPECT_EQ(comparison_to_json(around)["rows"][0]["read_basis"], "around");
  // Made at 0.8 of 50 GB/s, the runs streamed 0.4 of the 100 read around them.
  const Result<CalibrationReport> report = calibrate(test_machine(), tracked, "tracked");
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_NEAR(report->calibration.efficiency.decode_bandwidth, 0.4, 1e-6);
  EXPECT_NEAR(report->calibration.efficiency.step_overhead_us_per_layer, 30.0, 1e-3);
  EXPECT_EQ(report->calibration.tracked_points, 24);  // 12 tg and 12 serving points; pp is never tracked
  EXPECT_NE(report->calibration.efficiency.source.find("24 against the read around the run"), std::string::npos)
      << report->calibration.efficiency.source;
  const Result<Calibration> round_trip = calibration_from_json(calibration_to_json(report->calibration));
  ASSERT_TRUE(round_trip.ok()) << round_trip.error().message;
  EXPECT_EQ(round_trip->tracked_points, 24);

  // A calibration of one kind applied to rows of the other is a warning; of the same kind, none.
  const Calibration on_probe = calibrate(test_machine(), lines_, "plain")->calibration;
  const Calibration on_around = report->calibration;
  EXPECT_EQ(on_probe.tracked_points, 0);
  ASSERT_TRUE(basis_mismatch(on_probe, around).has_value());
  EXPECT_NE(basis_mismatch(on_probe, around)->find("fitted against the cached probe"), std::string::npos);
  ASSERT_TRUE(basis_mismatch(on_around, plain).has_value());
  EXPECT_NE(basis_mismatch(on_around, plain)->find("fitted against the read around each run"), std::string::npos);
  EXPECT_FALSE(basis_mismatch(on_probe, plain).has_value());
  EXPECT_FALSE(basis_mismatch(on_around, around).has_value());
  Calibration mixed = on_around;
  mixed.tracked_points = 10;
  EXPECT_FALSE(basis_mismatch(mixed, plain).has_value());
  EXPECT_FALSE(basis_mismatch(mixed, around).has_value());
}

// A tracked run whose reads around it differ by more than 20% ran while the machine's bandwidth
// moved: the calibration skips it and counts it, and the comparison marks its rows and counts the
// others apart.
TEST_F(FitCalibration, ARunTheBandwidthMovedUnderIsSkippedByTheFitAndMarkedInTheComparison) {
  std::vector<json> tracked = lines_;
  for (json& j : tracked) {
    json around = stat(50.0);  // the bandwidth the records were made at
    around["min"] = 49.0;
    around["max"] = 51.0;
    if (j["point"]["test"] == "tg" && j["point"]["depth"] == 0) {
      around = {{"n", 3}, {"median", 90.0}, {"mean", 77.0}, {"min", 50.0}, {"max", 91.0}};
    }
    j["roofline"]["read_gbs_around"] = around;
  }
  const Result<CalibrationReport> report = calibrate(test_machine(), tracked, "moved");
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->skipped_read_moved, 6);  // the usable tg64 at depth 0: two presets, three schemes
  EXPECT_EQ(report->calibration.decode_points, 6);
  EXPECT_NEAR(report->calibration.efficiency.decode_bandwidth, 0.8, 1e-6);

  Hardware calibrated = test_machine();
  calibrated.efficiency = truth_.efficiency;
  const Comparison c = compare_records(calibrated, tracked);
  int moved = 0;
  for (const ComparisonRow& row : c.rows) {
    const bool tg0 = row.metric == "tg tok/s" && row.point == "tg64";
    EXPECT_EQ(row.read_moved, tg0) << row.model << " " << row.point;
    moved += row.read_moved;
    if (tg0) {
      EXPECT_GT(row.error(), 0.5);  // predicted at the 90 GB/s median it did not run at
    }
  }
  EXPECT_EQ(moved, 6);
  ASSERT_EQ(c.summary.front().metric, "tg tok/s");
  const ComparisonSummary& tg = c.summary.front();
  EXPECT_EQ(tg.points, 12);
  EXPECT_EQ(tg.within_10, 6);
  EXPECT_EQ(tg.steady_points, 6);
  EXPECT_EQ(tg.steady_within_10, 6);
  EXPECT_EQ(tg.steady_within_20, 6);
  const json j = comparison_to_json(c);
  EXPECT_EQ(j["summary"][0]["steady_points"], 6);
  EXPECT_EQ(std::count_if(j["rows"].begin(), j["rows"].end(), [](const json& r) { return r["read_moved"] == true; }), 6);
}

// A run whose decode steps of one batch size ran at rates 1.5x apart (bench's step_spread) moved
// too, whether or not bench read around it; a spread of 1.1 is a steady run's.
TEST_F(FitCalibration, ARunWhoseStepsSpreadApartIsSkippedByTheFitAndMarkedInTheComparison) {
  std::vector<json> spread = lines_;
  for (json& j : spread) {
    const bool tg0 = j["point"]["test"] == "tg" && j["point"]["depth"] == 0;
    j["stats"]["step_spread"] = stat(tg0 ? 1.5 : 1.1);
    j["stats"]["step_spread"]["max"] = tg0 ? 1.5 : 1.1;
  }
  expect_only_tg64_at_depth_0_moved(spread);
}

// A run whose cores' round trip went from 100 to 520 ns beside the reads (the host moved the cores
// between core complexes) moved, though its reads held still; 100 to 180 ns is within one place.
TEST_F(FitCalibration, ARunWhoseCoresMovedApartIsSkippedByTheFitAndMarkedInTheComparison) {
  std::vector<json> tracked = lines_;
  for (json& j : tracked) {
    const bool tg0 = j["point"]["test"] == "tg" && j["point"]["depth"] == 0;
    j["roofline"]["read_gbs_around"] = stat(50.0);
    j["roofline"]["core_round_trip_ns_around"] = {{"n", 4}, {"median", 110.0}, {"min", 100.0}, {"max", tg0 ? 520.0 : 180.0}};
  }
  expect_only_tg64_at_depth_0_moved(tracked);
  const RecordBandwidth b = record_bandwidth(test_machine(), tracked.front());
  EXPECT_DOUBLE_EQ(b.round_trip_min_ns, 100.0);
}

// A prompt run whose compute peak went from 1700 to 2300 GOPS around its repetitions (bench
// --track-bandwidth) moved; 2000 to 2100 is a steady run's.
TEST_F(FitCalibration, APromptRunWhoseComputeMovedIsSkippedByTheFitAndMarkedInTheComparison) {
  std::vector<json> tracked = lines_;
  for (json& j : tracked) {
    if (j["point"]["test"] != "pp") continue;
    const bool moved = j["point"]["prompt"] == 256;
    j["roofline"]["compute_gops_around"] = {{"n", 4}, {"median", 2000.0}, {"min", moved ? 1700.0 : 2000.0}, {"max", moved ? 2300.0 : 2100.0}};
  }
  const Result<CalibrationReport> report = calibrate(test_machine(), tracked, "marked");
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->skipped_read_moved, 6);
  const Comparison c = compare_records(test_machine(), tracked);
  int moved = 0;
  for (const ComparisonRow& row : c.rows) {
    EXPECT_EQ(row.read_moved, row.metric == "pp tok/s" && row.point == "pp256") << row.model << " " << row.point;
    moved += row.read_moved;
  }
  EXPECT_EQ(moved, 6);
  const auto pp256 = std::find_if(tracked.begin(), tracked.end(), [](const json& j) { return j["point"]["prompt"] == 256; });
  EXPECT_DOUBLE_EQ(record_bandwidth(test_machine(), *pp256).compute_spread, 2300.0 / 1700.0);
}

// Runs read around at 50 and at 100 GB/s, made on a machine whose steps stream no faster than at a
// read of 70: the calibration finds that ceiling (within its 5% steps) and predicts with it; runs
// all read at one bandwidth show none.
TEST(FitCalibrationCeiling, RunsReadFarApartShowTheReadAboveWhichStepsStreamNoFaster) {
  Hardware truth = test_machine();
  truth.efficiency = {0.8, 30.0, 0.4, 0.0, true, "truth", 0.6, 0.7, 0.5};
  truth.efficiency.read_ceiling_gbps = 70;
  const auto tracked = [](json line, double read_gbps) {
    line["roofline"]["read_gbs_around"] = {{"n", 2}, {"median", read_gbps}, {"min", read_gbps}, {"max", read_gbps}};
    return line;
  };
  std::vector<json> apart, steady;
  for (const char* preset : {"llama-3.2-1b", "qwen2.5-0.5b"}) {
    for (model::Scheme scheme : {model::Scheme::F16, model::Scheme::Q4_0}) {
      const ModelShape shape = shape_from_preset(model::find_preset(preset)->spec, scheme);
      const Prediction pp = predict_point(truth, shape, {1, 512, 0, 0, quant::TensorType::F16});
      apart.push_back(record(truth.fingerprint, "ok", preset, scheme, "pp", 512, 0, 0, {{"pp_tok_s", stat(pp.pp_tok_s)}}));
      steady.push_back(apart.back());
      for (double read : {50.0, 100.0}) {
        Hardware at = truth;
        at.bandwidth_gbps = read;
        json tg = record(truth.fingerprint, "ok", preset, scheme, "tg", 0, 64, 0, {{"tg_tok_s", stat(tg_tok_s(at, shape, 64, 0))}});
        apart.push_back(tracked(tg, read));
        if (read == 50) steady.push_back(tracked(tg, read));
        for (std::int64_t users : {1, 4}) {
          json serve = tracked(record(truth.fingerprint, "ok", preset, scheme, "serve", 128, 32, 0,
                                      serving_stats(at, shape, users), users), read);
          apart.push_back(serve);
          if (read == 50) steady.push_back(serve);
        }
      }
    }
  }
  const Result<CalibrationReport> report = calibrate(test_machine(), apart, "apart");
  ASSERT_TRUE(report.ok()) << report.error().message;
  const Efficiency& e = report->calibration.efficiency;
  EXPECT_NEAR(e.read_ceiling_gbps, 70.0, 0.05 * 70);
  EXPECT_NEAR(e.decode_bandwidth, 0.8, 0.05);
  EXPECT_EQ(calibration_from_json(calibration_to_json(report->calibration))->efficiency.read_ceiling_gbps,
            e.read_ceiling_gbps);

  const Result<CalibrationReport> one_read = calibrate(test_machine(), steady, "steady");
  ASSERT_TRUE(one_read.ok()) << one_read.error().message;
  EXPECT_EQ(one_read->calibration.efficiency.read_ceiling_gbps, 0.0);
  EXPECT_NEAR(one_read->calibration.efficiency.decode_bandwidth, 0.8, 1e-6);

  // Above the ceiling a faster read predicts the same speed, and the basis says why; below it, faster.
  const ModelShape shape = shape_from_preset(model::find_preset("llama-3.2-1b")->spec, model::Scheme::Q4_0);
  const auto tg_at = [&](double read) {
    Hardware at = truth;
    at.bandwidth_gbps = read;
    return predict_point(at, shape, {1, 0, 64, 0, quant::TensorType::F16});
  };
  EXPECT_GT(tg_at(70).tg_tok_s, 1.2 * tg_at(50).tg_tok_s);
  EXPECT_DOUBLE_EQ(tg_at(100).tg_tok_s, tg_at(70).tg_tok_s);
  EXPECT_NE(tg_at(100).basis.find("streamed as 70 (this machine's ceiling)"), std::string::npos) << tg_at(100).basis;
  EXPECT_EQ(tg_at(50).basis.find("ceiling"), std::string::npos) << tg_at(50).basis;
}

// Runs with the cores near (a 100 ns round trip) and far apart (520 ns), made on a machine whose
// overhead is 6 us per layer plus 50 round trips: the calibration finds the round trips per layer
// and states the overhead at the median round trip; runs all at one round trip show none.
TEST(FitCalibrationRoundTrip, RunsWithTheCoresNearAndFarShowTheOverheadPerRoundTrip) {
  Hardware truth = test_machine();
  truth.efficiency = {0.8, 6.0, 0.4, 0.0, true, "truth", 0.6, 0.7, 0.5};
  truth.efficiency.overhead_round_trips_per_layer = 50;
  truth.efficiency.overhead_round_trip_ns = 100;
  const auto tracked = [](json line, double round_trip_ns) {
    line["roofline"]["read_gbs_around"] = stat(50.0);
    line["roofline"]["core_round_trip_ns_around"] = {
        {"n", 2}, {"median", round_trip_ns}, {"min", round_trip_ns}, {"max", round_trip_ns}};
    return line;
  };
  std::vector<json> apart, near;
  for (const char* preset : {"llama-3.2-1b", "qwen2.5-0.5b"}) {
    for (model::Scheme scheme : {model::Scheme::F16, model::Scheme::Q4_0}) {
      const ModelShape shape = shape_from_preset(model::find_preset(preset)->spec, scheme);
      for (double round_trip : {100.0, 520.0}) {
        Hardware at = truth;
        at.core_round_trip_ns = round_trip;
        const Prediction pp = predict_point(at, shape, {1, 512, 0, 0, quant::TensorType::F16});
        std::vector<json> lines{
            tracked(record(truth.fingerprint, "ok", preset, scheme, "pp", 512, 0, 0, {{"pp_tok_s", stat(pp.pp_tok_s)}}), round_trip),
            tracked(record(truth.fingerprint, "ok", preset, scheme, "tg", 0, 64, 0, {{"tg_tok_s", stat(tg_tok_s(at, shape, 64, 0))}}),
                    round_trip)};
        for (std::int64_t users : {1, 4}) {
          lines.push_back(tracked(record(truth.fingerprint, "ok", preset, scheme, "serve", 128, 32, 0,
                                         serving_stats(at, shape, users), users), round_trip));
        }
        apart.insert(apart.end(), lines.begin(), lines.end());
        if (round_trip == 100) near.insert(near.end(), lines.begin(), lines.end());
      }
    }
  }
  const Result<CalibrationReport> report = calibrate(test_machine(), apart, "apart");
  ASSERT_TRUE(report.ok()) << report.error().message;
  const Efficiency& e = report->calibration.efficiency;
  EXPECT_NEAR(e.overhead_round_trips_per_layer, 50.0, 1e-3);
  EXPECT_DOUBLE_EQ(e.overhead_round_trip_ns, 520.0);  // the median of 16 runs at 100 and 16 at 520
  EXPECT_NEAR(e.step_overhead_us_per_layer, truth.efficiency.overhead_us_per_layer(520), 1e-3);
  EXPECT_NEAR(e.overhead_us_per_layer(100), 6.0, 1e-3);
  EXPECT_NEAR(e.decode_bandwidth, 0.8, 1e-6);
  const Result<Calibration> loaded = calibration_from_json(calibration_to_json(report->calibration));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->efficiency.overhead_round_trips_per_layer, e.overhead_round_trips_per_layer);
  EXPECT_EQ(loaded->efficiency.overhead_round_trip_ns, e.overhead_round_trip_ns);

  // The comparison predicts each run at its own round trip (exactly where bench's statistic is the
  // one the records were made of; medians against means and 64 steps against 63 elsewhere).
  Hardware calibrated = test_machine();
  calibrated.efficiency = e;
  for (const ComparisonRow& row : compare_records(calibrated, apart).rows) {
    const bool exact = row.metric == "agg tok/s" || row.metric == "pp tok/s";
    EXPECT_NEAR(row.error(), 0.0, exact ? 1e-9 : 0.05) << row.model << " " << row.point << " " << row.metric;
    EXPECT_TRUE(row.round_trip_ns == 100 || row.round_trip_ns == 520) << row.round_trip_ns;
  }

  const Result<CalibrationReport> one_place = calibrate(test_machine(), near, "near");
  ASSERT_TRUE(one_place.ok()) << one_place.error().message;
  EXPECT_EQ(one_place->calibration.efficiency.overhead_round_trips_per_layer, 0.0);
  EXPECT_NEAR(one_place->calibration.efficiency.step_overhead_us_per_layer, 6.0, 1e-3);

  // Cores farther apart predict slower decode, and the basis says at what round trip; not known,
  // the overhead is the one at the calibration's round trip.
  const ModelShape shape = shape_from_preset(model::find_preset("qwen2.5-0.5b")->spec, model::Scheme::Q4_0);
  const auto tg_at = [&](double round_trip_ns) {
    Hardware at = calibrated;
    at.core_round_trip_ns = round_trip_ns;
    return predict_point(at, shape, {1, 0, 64, 0, quant::TensorType::F16});
  };
  EXPECT_NEAR(1 / tg_at(520).tg_tok_s - 1 / tg_at(100).tg_tok_s, 24 * 50 * 420e-9, 1e-9);  // 24 layers
  EXPECT_DOUBLE_EQ(tg_at(0).tg_tok_s, tg_at(520).tg_tok_s);
  EXPECT_NE(tg_at(100).basis.find("+ 6 us/layer/step (cores at a 100 ns round trip)"), std::string::npos) << tg_at(100).basis;
}

// A record without a budget ran before it was a dimension, with 512 prompt tokens per step.
TEST_F(FitCalibration, ARecordsPrefillBudgetIsTheOneItsPredictionSchedules) {
  Hardware calibrated = test_machine();
  calibrated.efficiency = truth_.efficiency;
  const json old_pp = record(truth_.fingerprint, "ok", "llama-3.2-1b", model::Scheme::Q4_0, "pp", 1024, 0, 0,
                             {{"pp_tok_s", stat(100)}});
  json budget_pp = old_pp;
  budget_pp["point"]["prefill_budget"] = 128;
  const Comparison c = compare_records(calibrated, {old_pp, budget_pp});
  ASSERT_EQ(c.rows.size(), 2u);
  const ModelShape shape = shape_from_preset(model::find_preset("llama-3.2-1b")->spec, model::Scheme::Q4_0);
  PointParams p{1, 1024, 0, 0, quant::TensorType::F16};
  EXPECT_DOUBLE_EQ(c.rows[0].predicted, predict_point(calibrated, shape, p).pp_tok_s);
  p.prefill_budget = 128;
  EXPECT_DOUBLE_EQ(c.rows[1].predicted, predict_point(calibrated, shape, p).pp_tok_s);
  EXPECT_LT(c.rows[1].predicted, c.rows[0].predicted);  // eight passes over the weights, not two
}

TEST_F(FitCalibration, NoUsablePointIsAnErrorNamingTheFile) {
  std::ofstream(dir_ / "empty.jsonl") << "\n";
  const Result<CalibrationReport> none = calibrate_file(test_machine(), dir_ / "empty.jsonl");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("empty.jsonl"), std::string::npos);
  std::ofstream(dir_ / "bad.jsonl") << "{\"schema\": 1}\nnot json\n";
  const Result<CalibrationReport> bad = calibrate_file(test_machine(), dir_ / "bad.jsonl");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("bad.jsonl:2"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace memwall::fit
