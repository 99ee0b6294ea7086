#pragma once
// The speed model, for one point: what `memwall fit` prints and what `memwall bench` can show
// beside each measurement.
//
//   decode step = (weights streamed + KV read at the context) / (bandwidth x efficiency)
//                 + overhead per layer x layers,
//   unless the step's FLOPs (B tokens x 2 x active parameters, plus attention) take longer at the
//   compute peak x prefill efficiency: then compute bounds it. With B users the weights are read
//   once per step for all of them; for MoE, the experts B tokens are expected to touch.
//   prefill = FLOPs of the prompt / (peak x prefill efficiency), at least the time to stream the
//   weights once per micro-batch; TTFT = queueing + prefill.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "memwall/fit/hardware.hpp"
#include "memwall/fit/model_shape.hpp"

namespace memwall::fit {

struct PointParams {
  std::int64_t users = 1;   // sequences decoding in the same steps
  std::int64_t prompt = 512;
  std::int64_t gen = 128;
  std::int64_t depth = 0;   // tokens already in each sequence's cache
  quant::TensorType kv_type = quant::TensorType::F16;
};

struct Prediction {
  double pp_tok_s = 0;        // one sequence's prompt, at `depth`
  double tg_tok_s = 0;        // one user's generation speed (1 / TPOT)
  double agg_tok_s = 0;       // all users together
  double ttft_ms = 0;         // mean over `users` requests submitted together, served in turn
  double prefill_ms = 0;      // one prompt
  double step_ms = 0;         // one decode step
  double bytes_per_step = 0;  // weights + KV one step streams
  double decode_context = 0;  // mean context of a generated token
  bool compute_bound = false; // the decode step is bounded by compute, not bandwidth
  std::string basis;          // bandwidth, compute and efficiencies used, context, users
};

Prediction predict_point(const Hardware& hw, const ModelShape& shape, const PointParams& point);

// The parts that do not depend on the machine: the mean context of a generated token (depth +
// prompt + half the generation), and the bytes one decode step of `users` tokens streams.
double decode_context(const PointParams& point);
double decode_bytes_per_step(const ModelShape& shape, const PointParams& point);

// The machine-readable basis and numbers (for --json and bench records).
nlohmann::json prediction_to_json(const Prediction& p);

}  // namespace memwall::fit
