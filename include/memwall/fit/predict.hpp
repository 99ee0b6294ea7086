#pragma once
// The speed model, for one point: what `memwall fit` prints and what `memwall bench` can show
// beside each measurement. Every time is a sum of steps (fit/step_model.hpp):
//
//   pp   = the prompt's chunks of up to 512 tokens, one step each;
//   tg   = one user's time per output token (TPOT) while `users` users run closed loop, each
//          request a prompt of `prompt` tokens then `gen` generated ones: the steps a request
//          decodes in also carry the other users' tokens and the chunks of their new prompts
//          (fit/schedule.hpp); with one user, a decode step of one token;
//   agg  = every output token over the time of the load, prompts included, as bench measures it;
//   TTFT = from sending to the first token: waiting for the prefill budget, then the prompt.
//
// With B users the weights are read once per step for all of them, while each token adds its
// arithmetic and its KV cache; for MoE, the experts B tokens are expected to touch.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "memwall/fit/hardware.hpp"
#include "memwall/fit/model_shape.hpp"
#include "memwall/fit/schedule.hpp"

namespace memwall::fit {

struct PointParams {
  std::int64_t users = 1;   // sequences decoding in the same steps
  std::int64_t prompt = 512;
  std::int64_t gen = 128;
  std::int64_t depth = 0;   // tokens already in each sequence's cache
  quant::TensorType kv_type = quant::TensorType::F16;
  // The closed-loop load the serving numbers are for, as `memwall bench -c users` runs it.
  std::int64_t requests = 0;          // measured requests; 0: 4 per user (bench's default)
  std::int64_t warmup = 1;            // requests before them, not measured
  std::int64_t prefill_budget = 512;  // prompt tokens per step
  std::int64_t max_batch_tokens = 0;  // tokens per step; 0: no cap on decode tokens (users + budget)
};

struct Prediction {
  double pp_tok_s = 0;        // one sequence's prompt, at `depth`
  double tg_tok_s = 0;        // one user's generation speed (1 / TPOT, median over requests)
  double agg_tok_s = 0;       // all users together, prompts included (closed loop)
  double ttft_ms = 0;         // median over requests, waiting for the prefill budget included
  double prefill_ms = 0;      // one prompt, alone
  double step_ms = 0;         // one decode step of every user's token
  double bytes_per_step = 0;  // weights + KV that step streams
  double decode_context = 0;  // mean context of a generated token
  bool compute_bound = false; // that step's arithmetic takes longer than its memory traffic
  std::string basis;          // bandwidth, compute and efficiencies used, context, users
};

Prediction predict_point(const Hardware& hw, const ModelShape& shape, const PointParams& point);

// The parts that do not depend on the machine: the mean context of a generated token (depth +
// prompt + half the generation), and the bytes one decode step of `users` tokens streams.
double decode_context(const PointParams& point);
double decode_bytes_per_step(const ModelShape& shape, const PointParams& point);

// The closed-loop load of a point (defaults filled in).
ServingLoad serving_load(const PointParams& point);
// The steps of one prompt of `point.prompt` tokens after `point.depth` cached ones, in chunks of
// up to `point.prefill_budget`, the last wanting logits.
std::vector<StepLoad> prefill_steps(const ModelShape& shape, const PointParams& point);

// The machine-readable basis and numbers (for --json and bench records).
nlohmann::json prediction_to_json(const Prediction& p);

}  // namespace memwall::fit
