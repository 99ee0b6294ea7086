// Calibration round trip: bench records synthesized from known efficiencies are fitted back to
// those efficiencies, stored beside the probe cache and loaded again.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "memwall/fit/calibrate.hpp"
#include "memwall/fit/predict.hpp"
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

json record(const std::string& fingerprint, const std::string& status, const std::string& preset,
            model::Scheme scheme, const std::string& test, std::int64_t prompt, std::int64_t gen,
            std::int64_t depth, double tok_s, const ModelShape& shape) {
  const std::string metric = test + "_tok_s";
  return {{"schema", "memwall.bench.v1"},
          {"status", status},
          {"point", {{"backend", "engine"}, {"endpoint", nullptr}, {"model", "preset:" + preset},
                     {"scheme", model::scheme_info(scheme).name}, {"test", test}, {"threads", 8},
                     {"concurrency", nullptr}, {"rate", nullptr}, {"prompt", prompt}, {"gen", gen},
                     {"depth", depth}, {"kv_type", "f16"}}},
          {"model", {{"name", preset}, {"active_weight_bytes", shape.weight_bytes_per_step(1)},
                     {"kv_bytes_per_token", shape.kv_bytes_per_token(quant::TensorType::F16)},
                     {"params_active", shape.params_active}, {"n_layer", shape.spec.n_layers}}},
          {"stats", {{metric, {{"n", 3}, {"median", tok_s}, {"mean", tok_s}}}}},
          {"samples", {{metric, {tok_s, tok_s, tok_s}}}},
          {"roofline", {{"read_gbs", 50.0}}},
          {"provenance", {{"memwall_version", "0.1.0"}, {"git_commit", "abc"}, {"build_type", "Release"},
                          {"compiler", "GNU 12"}, {"cpu_model", "test"}, {"isa", "avx2"},
                          {"hardware_fingerprint", fingerprint}, {"timestamp", "2026-01-01T00:00:00Z"}}}};
}

class FitCalibration : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("fit-calibration");
    truth_ = test_machine();
    truth_.efficiency = {0.8, 30.0, 0.4, true, "truth"};
    std::ofstream out(dir_ / "results.jsonl");
    for (const char* preset : {"llama-3.2-1b", "qwen2.5-0.5b"}) {
      for (model::Scheme scheme : {model::Scheme::F16, model::Scheme::Q8_0, model::Scheme::Q4_0}) {
        const ModelShape shape = shape_from_preset(model::find_preset(preset)->spec, scheme);
        for (std::int64_t depth : {0, 2048}) {
          const Prediction tg = predict_point(truth_, shape, {1, 0, 64, depth, quant::TensorType::F16});
          lines_.push_back(record(truth_.fingerprint, "ok", preset, scheme, "tg", 0, 64, depth, tg.tg_tok_s, shape));
        }
        for (std::int64_t prompt : {256, 1024}) {
          const Prediction pp = predict_point(truth_, shape, {1, prompt, 0, 0, quant::TensorType::F16});
          lines_.push_back(record(truth_.fingerprint, "ok", preset, scheme, "pp", prompt, 0, 0, pp.pp_tok_s, shape));
        }
        // Noise the fit must ignore: another machine, a failed point.
        lines_.push_back(record("feedfacefeedface", "ok", preset, scheme, "tg", 0, 64, 0, 1e6, shape));
        lines_.push_back(record(truth_.fingerprint, "failed", preset, scheme, "tg", 0, 64, 0, 1e6, shape));
      }
    }
    for (const json& j : lines_) out << j.dump() << '\n';
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

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
  EXPECT_NEAR(c.efficiency.prefill_compute, 0.4, 1e-6);
  EXPECT_EQ(c.decode_points, 12);
  EXPECT_EQ(c.prefill_points, 12);
  EXPECT_LT(c.decode_rms_rel_error, 1e-6);
  EXPECT_EQ(report->skipped_other_machine, 6);
  EXPECT_EQ(report->skipped_not_ok, 6);
  EXPECT_EQ(report->rows.size(), 24u);
  EXPECT_TRUE(c.efficiency.calibrated);
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
  EXPECT_DOUBLE_EQ(loaded->efficiency.prefill_compute, c.efficiency.prefill_compute);
  EXPECT_TRUE(loaded->efficiency.calibrated);
  EXPECT_FALSE(load_calibration("another-machine").has_value());

  Hardware calibrated = test_machine();
  calibrated.efficiency = loaded->efficiency;
  const ModelShape shape = shape_from_preset(model::find_preset("llama-3.2-1b")->spec, model::Scheme::Q8_0);
  const PointParams point{1, 0, 64, 2048, quant::TensorType::F16};
  EXPECT_NEAR(predict_point(calibrated, shape, point).tg_tok_s / predict_point(truth_, shape, point).tg_tok_s, 1.0, 1e-6);
  EXPECT_NE(predict_point(calibrated, shape, point).basis.find("calibrated on this machine"), std::string::npos);
  unsetenv("XDG_CACHE_HOME");
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
