#pragma once
// The steps a continuously batching server runs for a closed-loop load, as memwall's engine plans
// them: each step carries one token of every decoding sequence, then prompt tokens of the waiting
// sequences in arrival order up to a budget; a sequence's first token comes from the step that
// finishes its prompt; a user sends the next request when the last one ends. In closed loop the
// order of the steps does not depend on how long they take, so one schedule serves every set of
// efficiencies: the calibration fits them on it, and a prediction times it.
#include <cstdint>
#include <span>
#include <vector>

#include "memwall/fit/model_shape.hpp"
#include "memwall/fit/step_model.hpp"

namespace memwall::fit {

// One closed-loop load, as `memwall bench -c` runs it: `warmup` + `requests` requests by `users`
// users; the first `warmup` are not measured.
struct ServingLoad {
  std::int64_t users = 1;
  std::int64_t prompt = 1;    // at least 1
  std::int64_t gen = 1;       // at least 1
  std::int64_t depth = 0;     // positions each sequence's cache holds before its prompt
  std::int64_t requests = 4;
  std::int64_t warmup = 1;
  std::int64_t max_batch_tokens = 512;  // tokens in one step (decode tokens are never held back)
  std::int64_t prefill_budget = 512;    // prompt tokens in one step
  quant::TensorType kv_type = quant::TensorType::F16;
};

// Step indices of one request: sent before step `sent`, first token at the end of step `first`,
// last token at the end of step `last`.
struct ScheduledRequest {
  std::int64_t sent = 0;
  std::int64_t first = 0;
  std::int64_t last = 0;
  bool warmup = false;
};

struct Schedule {
  std::vector<StepLoad> steps;
  std::vector<ScheduledRequest> requests;
  std::int64_t gen = 1;
};

Schedule closed_loop_schedule(const ModelShape& shape, const ServingLoad& load);

// What `memwall bench` reports for the load, given each step's wall time: aggregate tok/s (every
// token in the measured window — from the first measured request's sending to the last end — over
// its length), the median per-user tok/s (1 / TPOT) and the median TTFT.
struct ServingTimes {
  double agg_tok_s = 0;
  double per_user_tok_s = 0;  // 0 when requests generate a single token
  double ttft_ms = 0;
};
ServingTimes serving_times(const Schedule& schedule, std::span<const double> step_s);

// The same measurements as weights on the steps' times, for the calibration: the window's length
// is sum(window[i] x step_s[i]), the mean TPOT sum(tpot[i] x step_s[i]), the mean TTFT likewise.
struct ServingWeights {
  std::vector<double> window, tpot, ttft;
  double window_tokens = 0;
  bool has_tpot = false;
};
ServingWeights serving_weights(const Schedule& schedule);

}  // namespace memwall::fit
