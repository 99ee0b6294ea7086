#include "memwall/bench/endpoint_runner.hpp"

namespace memwall::bench {

Result<PointRun> run_endpoint_point(const Point& point, const backends::EndpointConfig& endpoint, const Clock& clock,
                                    const std::atomic<bool>* stop) {
  PointRun run;
  for (std::int64_t rep = 0; rep < point.repetitions; ++rep) {
    backends::LoadSpec spec;
    spec.concurrency = point.rate > 0 ? point.max_concurrency : std::max<std::int64_t>(point.concurrency, 1);
    if (point.rate > 0) spec.rate_per_s = point.rate;
    spec.requests = point.requests;
    spec.warmup_requests = point.warmup;
    spec.prompt_tokens = point.prompt;
    spec.gen_tokens = point.gen;
    spec.seed = point.seed + static_cast<std::uint64_t>(rep);
    auto load = backends::run_load(endpoint, spec, clock, stop);
    if (!load) return load.error();
    if (load->interrupted) {
      run.interrupted = true;
      return run;
    }
    run.agg_tok_s.push_back(aggregate_tok_s(load->requests));
    run.requests.insert(run.requests.end(), load->requests.begin(), load->requests.end());
  }
  return run;
}

double error_rate(const PointRun& run) {
  const ServingStats s = serving_stats(run.requests);
  return s.ok + s.failed > 0 ? static_cast<double>(s.failed) / static_cast<double>(s.ok + s.failed) : 0;
}

}  // namespace memwall::bench
