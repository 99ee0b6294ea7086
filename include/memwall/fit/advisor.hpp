#pragma once
// `memwall fit` and `memwall plan`: the memory and speed models applied to many models, schemes
// and machines, with the targets a user sets.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memwall/fit/hardware.hpp"
#include "memwall/fit/memory.hpp"
#include "memwall/fit/model_shape.hpp"
#include "memwall/fit/predict.hpp"

namespace memwall::fit {

struct Targets {
  std::int64_t context = 4096;  // tokens per sequence the memory must hold
  std::int64_t users = 1;
  std::int64_t prompt = 512;
  std::int64_t gen = 128;
  quant::TensorType kv_type = quant::TensorType::F16;
  std::optional<double> min_tok_s;    // per user
  std::optional<double> max_ttft_ms;
};

// One model at one scheme on one machine.
struct Evaluation {
  ModelShape shape;
  MemoryEstimate memory;
  Prediction prediction;
  std::int64_t max_context = 0;  // at the users asked
  std::int64_t max_users = 0;    // at the context asked
  bool meets = false;            // fits (or tight) and meets every target
  std::string shortfall;         // why not, when it does not
};

Evaluation evaluate(const Hardware& hw, const ModelShape& shape, const Targets& targets);

// A model's schemes, highest quality first.
struct ModelCandidates {
  std::string model;
  std::vector<ModelShape> schemes;
};

// One model's rows [begin, end) of a FitReport, and the row of its highest-quality scheme that
// fits and meets the targets, if any.
struct ModelResult {
  std::string model;
  std::size_t begin = 0;
  std::size_t end = 0;
  std::optional<std::size_t> recommended;
};

struct FitReport {
  Hardware hardware;
  Targets targets;
  std::vector<Evaluation> rows;       // every model x scheme
  std::vector<ModelResult> models;    // in the order given
  std::vector<std::size_t> ranking;   // recommended rows, largest model first
};

FitReport run_fit(const Hardware& hw, const std::vector<ModelCandidates>& models, const Targets& targets);

// What the target needs of a machine, for one scheme.
struct Requirement {
  ModelShape shape;
  std::uint64_t memory_bytes = 0;     // weights + KV + buffers, before the runtime and the OS
  double effective_bandwidth_gbps = 0;  // bytes of a step x steps per second the target needs
  double decode_tflops = 0;           // FLOPs of a step x steps per second
  std::optional<double> prefill_tflops;  // to finish a prompt within max_ttft_ms
};

struct PlanRow {
  Hardware hardware;
  std::optional<Evaluation> chosen;   // the highest-quality scheme that meets the targets
  Evaluation best_effort;             // the lowest-quality scheme, to say what falls short
  std::optional<double> tok_s_per_kusd;   // aggregate tok/s per 1000 USD
  std::optional<double> tok_s_per_watt;
};

struct PlanReport {
  Targets targets;
  std::vector<Requirement> requirements;  // per scheme, highest quality first
  std::vector<PlanRow> rows;              // machines that meet the targets by price, then the rest
};

PlanReport run_plan(const std::vector<Hardware>& machines, const ModelCandidates& model, const Targets& targets);

nlohmann::json fit_report_to_json(const FitReport& report);
nlohmann::json plan_report_to_json(const PlanReport& report);

}  // namespace memwall::fit
