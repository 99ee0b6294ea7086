// Properties the models must keep over every preset, scheme and machine.
#include <gtest/gtest.h>

#include "memwall/fit/advisor.hpp"
#include "memwall/model/presets.hpp"

namespace memwall::fit {
namespace {

const model::Scheme kSchemes[] = {model::Scheme::F16, model::Scheme::Q8_0, model::Scheme::Q4_K_M, model::Scheme::Q2_K};

std::vector<ModelCandidates> every_preset() {
  std::vector<ModelCandidates> models;
  const std::vector<model::Preset> presets = model::load_presets().value();
  for (const model::Preset& p : presets) {
    ModelCandidates c{p.spec.name, {}};
    for (model::Scheme s : kSchemes) c.schemes.push_back(shape_from_preset(p.spec, s));
    models.push_back(std::move(c));
  }
  return models;
}

TEST(FitProperties, MoreBandwidthNeverPredictsSlower) {
  const std::vector<ModelCandidates> models = every_preset();
  const std::vector<Hardware> machines = load_hardware_profiles().value();
  for (const Hardware& base : machines) {
    Hardware faster = base;
    faster.bandwidth_gbps *= 1.7;
    for (const ModelCandidates& m : models) {
      for (const ModelShape& s : m.schemes) {
        for (std::int64_t users : {1, 4, 64}) {
          const PointParams point{users, 512, 128, 4096, quant::TensorType::F16};
          const Prediction a = predict_point(base, s, point);
          const Prediction b = predict_point(faster, s, point);
          // Equal when compute bounds every step: allow the rounding of summing the steps.
          constexpr double kUlps = 1e-12;
          EXPECT_GE(b.tg_tok_s, a.tg_tok_s * (1 - kUlps)) << base.name << " " << s.label;
          EXPECT_GE(b.agg_tok_s, a.agg_tok_s * (1 - kUlps)) << base.name << " " << s.label;
          EXPECT_GE(b.pp_tok_s, a.pp_tok_s * (1 - kUlps)) << base.name << " " << s.label;
          EXPECT_LE(b.ttft_ms, a.ttft_ms * (1 + kUlps)) << base.name << " " << s.label;
        }
      }
    }
  }
}

TEST(FitProperties, MoreUsersNeverPredictLessMemoryNorLessAggregate) {
  const Hardware hw = find_hardware("h100-sxm").value();
  for (const ModelCandidates& m : every_preset()) {
    for (const ModelShape& s : m.schemes) {
      std::uint64_t last_memory = 0;
      double last_agg = 0;
      for (std::int64_t users = 1; users <= 256; users *= 2) {
        const MemoryEstimate mem = estimate_memory(hw, s, 8192, users, quant::TensorType::F16);
        EXPECT_GE(mem.needed, last_memory) << s.label << " users " << users;
        last_memory = mem.needed;
        const Prediction p = predict_point(hw, s, {users, 512, 128, 0, quant::TensorType::F16});
        EXPECT_GE(p.agg_tok_s, last_agg * (1 - 1e-12)) << s.label << " users " << users;
        last_agg = p.agg_tok_s;
      }
    }
  }
}

TEST(FitProperties, AModelThatDoesNotFitIsNeverRecommended) {
  const std::vector<ModelCandidates> models = every_preset();
  const std::vector<Hardware> machines = load_hardware_profiles().value();
  for (const Hardware& hw : machines) {
    for (std::int64_t users : {1, 8}) {
      Targets t;
      t.context = 32768;
      t.users = users;
      const FitReport r = run_fit(hw, models, t);
      for (const ModelResult& m : r.models) {
        if (!m.recommended) continue;
        EXPECT_NE(r.rows[*m.recommended].memory.verdict, Verdict::does_not_fit) << hw.name << " " << m.model;
      }
      for (std::size_t i : r.ranking) EXPECT_NE(r.rows[i].memory.verdict, Verdict::does_not_fit) << hw.name;
    }
  }
}

TEST(FitProperties, ExpectedExpertsGrowWithTokensUpToAll) {
  const ModelShape s = shape_from_preset(model::find_preset("mixtral-8x7b")->spec, model::Scheme::Q4_K_M);
  EXPECT_DOUBLE_EQ(s.expected_experts(1), 2);  // top-2 of 8
  double last = 0;
  for (double b = 1; b <= 512; b *= 2) {
    EXPECT_GT(s.expected_experts(b), last - 1e-12);
    EXPECT_LE(s.expected_experts(b), 8.0);
    last = s.expected_experts(b);
  }
  EXPECT_NEAR(s.expected_experts(512), 8.0, 1e-9);
}

TEST(FitProperties, EveryPredictionStatesItsBasis) {
  const Hardware hw = find_hardware("rtx-4090").value();
  const ModelShape s = shape_from_preset(model::find_preset("llama-3.1-8b")->spec, model::Scheme::Q4_K_M);
  const Prediction p = predict_point(hw, s, {4, 512, 128, 7552, quant::TensorType::F16});
  for (const char* part : {"1008 GB/s", "(spec)", "x 0.84", "us/layer/step", "TFLOPS", "decode context 8128",
                           "4 users", "bandwidth-bound", "nvidia-consumer"}) {
    EXPECT_NE(p.basis.find(part), std::string::npos) << part << " in: " << p.basis;
  }
}

}  // namespace
}  // namespace memwall::fit
