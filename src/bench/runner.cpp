#include "memwall/bench/runner.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <unordered_map>

#include "memwall/bench/step_spread.hpp"

namespace memwall::bench {
namespace {

constexpr std::int64_t kMaxRepetitions = 1000;

double seconds(std::int64_t ns) { return static_cast<double>(ns) * 1e-9; }

// Request r's prompt: distinct from every other request's from the first token on, so that no
// prefix is shared (the built-in engine does not cache prefixes, servers may).
std::vector<std::int32_t> prompt_tokens(std::int64_t n, std::uint64_t seed, std::uint64_t request, std::int32_t vocab) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + request);
  const std::int32_t top = std::max(vocab - 1, 2);
  std::uniform_int_distribution<std::int32_t> token(1, top);
  std::vector<std::int32_t> out(static_cast<std::size_t>(std::max<std::int64_t>(n, 1)));
  for (auto& t : out) t = token(rng);
  out[0] = static_cast<std::int32_t>(1 + request % static_cast<std::uint64_t>(top));
  return out;
}

// The weights a step read: as the target reports them (a mixture of experts reads the experts its
// tokens were routed to, which differ step to step), else the active weights of one token.
double weight_bytes(const engine::StepStats& st, const ModelCost& cost) {
  return st.weight_bytes > 0 ? st.weight_bytes : cost.weight_bytes_per_step;
}

// A decode-only step's rate, for step_spread; steps with prompt tokens are left out.
void add_step_rate(const engine::StepStats& st, double step_bytes, std::vector<DecodeStepRate>& rates) {
  if (st.prefill_tokens > 0 || st.decode_tokens == 0 || st.end_ns <= st.start_ns) return;
  rates.push_back({st.decode_tokens, step_bytes / seconds(st.end_ns - st.start_ns)});
}

bool stopped(const RunContext& ctx) { return ctx.stop && ctx.stop->load(std::memory_order_relaxed); }

// Beside a point's repetitions, when asked for: the compute peak beside a prompt test's; else one
// read-bandwidth sample, and the cores' round trip beside it.
Status sample_around(const Point& point, const RunContext& ctx, PointRun& run) {
  if (point.test == TestKind::pp) {
    if (!ctx.compute_gops_now) return {};
    Result<double> gops = ctx.compute_gops_now();
    if (!gops.ok()) return gops.error();
    run.compute_gops_around.push_back(*gops);
    return {};
  }
  if (!ctx.read_gbs_now) return {};
  Result<double> gbs = ctx.read_gbs_now();
  if (!gbs.ok()) return gbs.error();
  run.read_gbs_around.push_back(*gbs);
  if (!ctx.core_round_trip_ns_now) return {};
  Result<double> ns = ctx.core_round_trip_ns_now();
  if (!ns.ok()) return ns.error();
  run.core_round_trip_ns_around.push_back(*ns);
  return {};
}

// Repeats `once` after `warmup` untimed runs until the point's repetitions and minimum time are met.
template <typename Once>
Status repeat(const Point& point, const RunContext& ctx, PointRun& run, Once once) {
  for (std::int64_t i = 0; i < point.warmup; ++i) {
    if (Status s = once(true, static_cast<std::uint64_t>(i)); !s.ok()) return s;
    if (run.interrupted) return {};
  }
  const std::int64_t start_ns = ctx.clock.now_ns();
  for (std::int64_t rep = 0; rep < kMaxRepetitions; ++rep) {
    const bool enough = rep >= point.repetitions && seconds(ctx.clock.now_ns() - start_ns) >= point.min_time_s;
    if (enough) break;
    if (Status s = sample_around(point, ctx, run); !s.ok()) return s;
    if (Status s = once(false, static_cast<std::uint64_t>(point.warmup + rep)); !s.ok()) return s;
    if (run.interrupted) return {};
  }
  return sample_around(point, ctx, run);
}

Status run_pp(const Point& point, const ModelCost& cost, const RunContext& ctx, PointRun& run) {
  return repeat(point, ctx, run, [&](bool warmup, std::uint64_t index) -> Status {
    auto target = ctx.make_target();
    if (!target) return target.error();
    auto id = (*target)->add({prompt_tokens(point.prompt, point.seed, index, cost.vocab), 1, point.depth});
    if (!id) return id.error();
    std::vector<engine::TokenEvent> events;
    std::int64_t busy_ns = 0, tokens = 0;
    while (!(*target)->idle()) {
      if (stopped(ctx)) return run.interrupted = true, Status{};
      const engine::StepStats st = (*target)->step(events);
      if (st.prefill_tokens > 0) busy_ns += st.end_ns - st.start_ns, tokens += st.prefill_tokens;
    }
    (void)tokens;
    run.peak_kv_bytes = std::max(run.peak_kv_bytes, static_cast<std::uint64_t>(cost.kv_bytes_per_token * static_cast<double>(point.depth + point.prompt)));
    if (!warmup && busy_ns > 0) {
      run.pp_tok_s.push_back(static_cast<double>(point.prompt) / seconds(busy_ns));
      run.flops_per_s.push_back(cost.flops_per_token * static_cast<double>(point.prompt) / seconds(busy_ns));
    }
    return {};
  });
}

Status run_tg(const Point& point, const ModelCost& cost, const RunContext& ctx, PointRun& run) {
  run.bytes_per_token = cost.weight_bytes_per_step + cost.kv_bytes_per_token * (static_cast<double>(point.depth) + 1 + static_cast<double>(point.gen) / 2);
  return repeat(point, ctx, run, [&](bool warmup, std::uint64_t index) -> Status {
    auto target = ctx.make_target();
    if (!target) return target.error();
    // One prompt token, then gen decode steps: the first generated token comes from the prompt's step.
    auto id = (*target)->add({prompt_tokens(1, point.seed, index, cost.vocab), point.gen + 1, point.depth});
    if (!id) return id.error();
    std::vector<engine::TokenEvent> events;
    std::vector<DecodeStepRate> rates;
    std::int64_t busy_ns = 0, tokens = 0;
    double bytes = 0;
    while (!(*target)->idle()) {
      if (stopped(ctx)) return run.interrupted = true, Status{};
      const engine::StepStats st = (*target)->step(events);
      if (st.prefill_tokens == 0 && st.decode_tokens > 0) {
        busy_ns += st.end_ns - st.start_ns;
        tokens += st.decode_tokens;
        const double step_bytes = weight_bytes(st, cost) + cost.kv_bytes_per_token * static_cast<double>(point.depth + tokens);
        bytes += step_bytes;
        add_step_rate(st, step_bytes, rates);
      }
    }
    run.peak_kv_bytes = std::max(run.peak_kv_bytes, (*target)->kv_bytes());
    run.peak_kv_bytes = std::max(run.peak_kv_bytes, static_cast<std::uint64_t>(cost.kv_bytes_per_token * static_cast<double>(point.depth + point.gen + 1)));
    if (!warmup && busy_ns > 0) {
      run.tg_tok_s.push_back(static_cast<double>(tokens) / seconds(busy_ns));
      run.bytes_per_s.push_back(bytes / seconds(busy_ns));
      run.step_spread.push_back(step_spread(rates));
    }
    return {};
  });
}

// One serving load: closed loop (point.concurrency users) or open loop (Poisson at point.rate).
Status run_serve_once(const Point& point, const ModelCost& cost, const RunContext& ctx, std::uint64_t rep,
                      PointRun& run) {
  auto made = ctx.make_target();
  if (!made) return made.error();
  Target& target = **made;
  target.prepare_depth(point.depth);  // before the clock: each request then copies it
  const std::int64_t total = point.warmup + point.requests;
  const bool open_loop = point.rate > 0;
  const std::int64_t t0 = ctx.clock.now_ns();
  const auto at = [&](std::int64_t ns) { return seconds(ns - t0); };

  // Arrival times (open loop), drawn up front from the seed.
  std::vector<std::int64_t> arrival_ns(static_cast<std::size_t>(total), t0);
  if (open_loop) {
    std::mt19937_64 rng(point.seed + 1000003 * rep);
    std::exponential_distribution<double> gap(point.rate);
    double t = 0;
    for (auto& a : arrival_ns) a = t0 + static_cast<std::int64_t>((t += gap(rng)) * 1e9);
  }
  std::vector<backends::RequestTiming> timings(static_cast<std::size_t>(total));
  std::unordered_map<engine::SequenceId, std::size_t> by_seq;
  std::int64_t next = 0, in_flight = 0, done = 0, warmups_left = point.warmup;
  const std::int64_t cap = open_loop ? point.max_concurrency : point.concurrency;

  const auto submit = [&](std::int64_t i) {
    backends::RequestTiming& r = timings[static_cast<std::size_t>(i)];
    r.warmup = i < point.warmup;
    r.scheduled_s = at(arrival_ns[static_cast<std::size_t>(i)]);
    r.sent_s = at(ctx.clock.now_ns());
    r.prompt_tokens = point.prompt;
    const std::uint64_t request = rep * static_cast<std::uint64_t>(total) + static_cast<std::uint64_t>(i);
    auto id = target.add({prompt_tokens(point.prompt, point.seed, request, cost.vocab), point.gen, point.depth});
    if (!id) {
      r.error_kind = "engine";
      r.error_message = id.error().message;
      r.end_s = r.sent_s;
      warmups_left -= r.warmup;
      ++done;
      return;
    }
    by_seq[*id] = static_cast<std::size_t>(i);
    ++in_flight;
  };
  // Closed loop: a user's next request is due the moment its last one ends.
  const auto admit = [&] {
    const std::int64_t now = ctx.clock.now_ns();
    while (next < total && (cap <= 0 || in_flight < cap) && arrival_ns[static_cast<std::size_t>(next)] <= now) {
      if (!open_loop) arrival_ns[static_cast<std::size_t>(next)] = now;
      submit(next++);
    }
  };

  std::vector<engine::TokenEvent> events;
  std::vector<DecodeStepRate> rates;
  std::int64_t busy_ns = 0;
  double bytes = 0;
  std::unordered_map<engine::SequenceId, std::int64_t> context;  // positions in each sequence's cache
  while (done < total) {
    if (stopped(ctx)) return run.interrupted = true, Status{};
    admit();
    if (target.idle()) {
      if (next < total) ctx.wait_until(arrival_ns[static_cast<std::size_t>(next)]);
      continue;
    }
    events.clear();
    const engine::StepStats st = target.step(events);
    busy_ns += st.end_ns - st.start_ns;
    double kv_positions = 0;
    for (const auto& [seq, i] : by_seq) kv_positions += static_cast<double>(point.depth + point.prompt + static_cast<std::int64_t>(timings[i].token_s.size()));
    const double step_bytes = weight_bytes(st, cost) + cost.kv_bytes_per_token * kv_positions;
    bytes += step_bytes;
    // Steps beside a warm-up request are left out of the spread: the first to read fresh weights
    // run slower (the embedded default's first point of a model: 1.5x apart).
    if (warmups_left == 0) add_step_rate(st, step_bytes, rates);
    run.peak_kv_bytes = std::max(run.peak_kv_bytes, target.kv_bytes());
    for (const engine::TokenEvent& ev : events) {
      const auto it = by_seq.find(ev.seq);
      if (it == by_seq.end()) continue;
      backends::RequestTiming& r = timings[it->second];
      r.token_s.push_back(at(ev.time_ns));
      if (ev.first) r.first_token_s = at(ev.time_ns);
      if (ev.last) {
        warmups_left -= r.warmup;
        r.end_s = at(ev.time_ns);
        r.output_tokens = static_cast<std::int64_t>(r.token_s.size());
        by_seq.erase(it);
        --in_flight;
        ++done;
      }
    }
  }
  run.agg_tok_s.push_back(aggregate_tok_s(timings));
  if (busy_ns > 0) run.bytes_per_s.push_back(bytes / seconds(busy_ns));
  run.step_spread.push_back(step_spread(rates));
  run.requests.insert(run.requests.end(), timings.begin(), timings.end());
  return {};
}

}  // namespace

Result<PointRun> run_point(const Point& point, const ModelCost& cost, const RunContext& ctx) {
  PointRun run;
  Status s;
  switch (point.test) {
    case TestKind::pp: s = run_pp(point, cost, ctx, run); break;
    case TestKind::tg: s = run_tg(point, cost, ctx, run); break;
    case TestKind::serve: {
      const std::int64_t start_ns = ctx.clock.now_ns();
      for (std::int64_t rep = 0; rep < kMaxRepetitions && !run.interrupted; ++rep) {
        if (rep >= point.repetitions && seconds(ctx.clock.now_ns() - start_ns) >= point.min_time_s) break;
        s = sample_around(point, ctx, run);
        if (s.ok()) s = run_serve_once(point, cost, ctx, static_cast<std::uint64_t>(rep), run);
        if (!s.ok()) break;
      }
      if (s.ok() && !run.interrupted) s = sample_around(point, ctx, run);
      break;
    }
  }
  if (!s.ok()) return s.error();
  return run;
}

ServingStats serving_stats(const std::vector<backends::RequestTiming>& requests) {
  ServingStats s;
  for (const backends::RequestTiming& r : requests) {
    if (r.warmup) {
      ++s.warmup;
      continue;
    }
    if (!r.ok()) {
      ++s.failed;
      ++s.errors[r.error_kind];
      continue;
    }
    ++s.ok;
    const double ttft = r.first_token_s - r.scheduled_s;
    if (std::isfinite(ttft)) s.ttft_ms.push_back(1e3 * ttft);
    s.queue_ms.push_back(1e3 * (r.sent_s - r.scheduled_s));
    s.e2e_ms.push_back(1e3 * (r.end_s - r.scheduled_s));
    if (r.output_tokens >= 2 && std::isfinite(ttft)) {
      const double tpot = (r.end_s - r.first_token_s) / static_cast<double>(r.output_tokens - 1);
      s.tpot_ms.push_back(1e3 * tpot);
      if (tpot > 0) s.per_user_tok_s.push_back(1.0 / tpot);
    }
    for (std::size_t i = 1; i < r.token_s.size(); ++i) s.itl_ms.push_back(1e3 * (r.token_s[i] - r.token_s[i - 1]));
  }
  return s;
}

double aggregate_tok_s(const std::vector<backends::RequestTiming>& requests) {
  double start = INFINITY, end = -INFINITY;
  for (const backends::RequestTiming& r : requests) {
    if (r.warmup || !r.ok()) continue;
    start = std::min(start, r.sent_s);
    end = std::max(end, r.end_s);
  }
  if (!(end > start)) return 0;
  std::int64_t tokens = 0;
  for (const backends::RequestTiming& r : requests) {
    if (!r.ok()) continue;
    for (double t : r.token_s) tokens += t > start && t <= end;
  }
  return static_cast<double>(tokens) / (end - start);
}

}  // namespace memwall::bench
