#pragma once
// Runs one sweep point on a Target and measures it: pp and tg like llama-bench (one sequence), or a
// serving load (closed-loop users or open-loop Poisson arrivals) like a serving benchmark.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "memwall/backends/request_timing.hpp"
#include "memwall/bench/sweep.hpp"
#include "memwall/bench/target.hpp"
#include "memwall/util/clock.hpp"
#include "memwall/util/stats.hpp"

namespace memwall::bench {

// What the roofline needs to know about the model being run.
struct ModelCost {
  // Active weights one token reads (output matrix included): what a step reads where the target
  // does not say (engine::StepStats::weight_bytes).
  double weight_bytes_per_step = 0;
  double kv_bytes_per_token = 0;     // per position of context, K and V of every layer
  double flops_per_token = 0;        // 2 x active parameters
  std::int32_t vocab = 0;            // prompts are drawn below it
};

struct RunContext {
  const Clock& clock;
  // Blocks until the clock reads `ns` (tests: moves the fake clock there).
  std::function<void(std::int64_t ns)> wait_until;
  const std::atomic<bool>* stop = nullptr;  // Ctrl-C: give up as soon as possible
  // The fresh target for each run of the point (a new engine, empty caches).
  std::function<Result<std::unique_ptr<Target>>()> make_target;
  // Optional (--track-bandwidth): the memory's read GB/s now, sampled before every measured
  // repetition of a tg or serving point and after the last.
  std::function<Result<double>()> read_gbs_now;
  // Optional (--track-bandwidth on two or more cores): a cache line's round trip between the
  // point's first two cores now, in ns, sampled beside each read.
  std::function<Result<double>()> core_round_trip_ns_now;
  // Optional (--track-bandwidth): the compute peak the roofline of a prompt test divides by, GOPS
  // now on the point's cores, sampled before every measured repetition of a pp point and after the
  // last.
  std::function<Result<double>()> compute_gops_now;
};

// Raw measurements of one point, before statistics.
struct PointRun {
  std::vector<double> pp_tok_s;       // per repetition (pp)
  std::vector<double> tg_tok_s;       // per repetition (tg)
  std::vector<double> agg_tok_s;      // per repetition (serve)
  std::vector<double> efficiency;     // bytes moved / s per repetition (tg, serve), over read bandwidth later
  std::vector<double> bytes_per_s;    // decode bytes the steps moved per second, per repetition
  std::vector<double> flops_per_s;    // prefill FLOP/s per repetition (pp)
  std::vector<backends::RequestTiming> requests;  // serve: every request, warm-up marked
  std::vector<double> read_gbs_around;  // read_gbs_now samples: repetition i ran between i and i + 1
  std::vector<double> core_round_trip_ns_around;  // core_round_trip_ns_now samples, beside the reads
  std::vector<double> compute_gops_around;  // compute_gops_now samples: repetition i ran between i and i + 1
  std::vector<double> step_spread;      // tg, serve: step_spread of each repetition's decode steps
  std::uint64_t peak_kv_bytes = 0;
  double bytes_per_token = 0;         // tg: weights + KV at the mean context
  bool interrupted = false;
};

Result<PointRun> run_point(const Point& point, const ModelCost& cost, const RunContext& ctx);

// Latency statistics of a serving run, exactly as the README defines them.
struct ServingStats {
  std::vector<double> ttft_ms, queue_ms, tpot_ms, itl_ms, e2e_ms, per_user_tok_s;
  std::int64_t ok = 0, failed = 0, warmup = 0;
  std::map<std::string, std::int64_t> errors;  // failed requests by kind
};
ServingStats serving_stats(const std::vector<backends::RequestTiming>& requests);

// Output tokens (of any request) that arrived inside the measured window, over its length. The
// window runs from the first measured request's submission (exclusive) to the last one's end.
double aggregate_tok_s(const std::vector<backends::RequestTiming>& requests);

}  // namespace memwall::bench
