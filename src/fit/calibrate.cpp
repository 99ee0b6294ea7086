#include "memwall/fit/calibrate.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "bench_records.hpp"
#include "memwall/fit/schedule.hpp"
#include "memwall/fit/step_model.hpp"
#include "memwall/util/clock.hpp"

namespace memwall::fit {
namespace {

using nlohmann::json;

// The unknowns: seconds per second of full-speed memory traffic (1 / bandwidth efficiency),
// overhead seconds per layer and step, then seconds per second of full-peak arithmetic (1 / compute
// efficiency) of prompt tokens on quantized weights, on float weights, and of decode tokens on
// each; then the memory traffic of weights in super-block types (K-quants); seconds per second of
// attention's arithmetic at the float peak; the overhead's round trips between the cores per
// layer and step, on top of theta[1]; last, prompt tokens' arithmetic on quantized weights other
// than Q8_0 and Q4_0. An unknown the points cannot show is merged into the one it falls back to.
constexpr std::size_t kPrompt = 2, kPromptFloat = 3, kDecode = 4, kDecodeFloat = 5, kSuperBlock = 6, kAttention = 7,
                      kRoundTrips = 8, kPromptOtherQuant = 9, kUnknowns = 10;
using Theta = std::array<double, kUnknowns>;
// theta[0] at a bandwidth efficiency of exactly 1: the fit never streams faster than the read.
constexpr double kFullRead = 1.0;
// An arithmetic unknown at an efficiency of exactly 1: the fit never computes faster than the peak.
constexpr double kFullPeak = 1.0;
constexpr std::size_t kComputeUnknowns[] = {kPrompt, kPromptFloat, kDecode, kDecodeFloat, kAttention, kPromptOtherQuant};
// Read ceilings tried 5% apart, and one kept only where it lowers the loss by a tenth: on the Zen 5
// host of results/fit.md (reads of 48-53 and 81-88 GB/s around its runs) one of 65-75 GB/s
// predicted the next set's decode within 10% on 12-14 of 16 tg and 25-26 of 32 per-user points,
// against 10 and 21 without.
constexpr double kCeilingStep = 1.05;
constexpr double kCeilingGain = 0.10;

// One measured time and the steps it is the weighted sum of, at full bandwidth and peak.
struct Observation {
  CalibrationRow row;
  double seconds = 0;
  std::vector<StepCost> costs;
  std::vector<double> weights;
  double layers = 0;
  double tokens = 0;  // > 0: shown as tokens / seconds; 0: shown in ms
  // The unknowns its arithmetic divides by: of the prompt tokens and of the decode tokens.
  std::size_t compute_index = kPrompt;
  std::size_t decode_index = kDecode;
  std::size_t superblock_index = kSuperBlock;  // 0 when merged into the other weights' bandwidth
  std::size_t other_quant_compute_index = kPromptOtherQuant;  // compute_index when merged
  bool attention_apart = true;  // false: attention's FLOPs stay with its tokens' arithmetic
  double round_trip_s = 0;      // the cores' round trip around the run (the calibration's median when not sampled)
  double robust_weight = 1;  // Huber's, from its error under the last fit
};

double arithmetic_time(const Theta& t, const Observation& o, const StepCost& c) {
  const ArithmeticParts a = arithmetic_parts(c, o.attention_apart);
  return t[o.compute_index] * a.prompt_s + t[o.other_quant_compute_index] * a.other_quant_prompt_s +
         t[o.decode_index] * a.decode_s + t[kAttention] * a.attention_s;
}

double memory_time(const Theta& t, const Observation& o, const StepCost& c) {
  return t[0] * (c.memory_s - c.superblock_memory_s) + t[o.superblock_index] * c.superblock_memory_s;
}

double step_time(const Theta& t, double overlap, double layers, const Observation& o, const StepCost& c) {
  const double m = memory_time(t, o, c);
  const double k = arithmetic_time(t, o, c);
  return std::max(m, k) + (1 - overlap) * std::min(m, k) + layers * (t[1] + t[kRoundTrips] * o.round_trip_s);
}

double model_seconds(const Observation& o, const Theta& t, double overlap) {
  double s = 0;
  for (std::size_t i = 0; i < o.costs.size(); ++i) s += o.weights[i] * step_time(t, overlap, o.layers, o, o.costs[i]);
  return s;
}

// The observation's time is linear in theta once it is known, step by step, whether memory or
// arithmetic is the larger part: these are its coefficients.
Theta features(const Observation& o, const Theta& t, double overlap) {
  Theta f{};
  for (std::size_t i = 0; i < o.costs.size(); ++i) {
    const StepCost& c = o.costs[i];
    const bool memory_larger = memory_time(t, o, c) >= arithmetic_time(t, o, c);
    const double w_memory = o.weights[i] * (memory_larger ? 1 : 1 - overlap);
    const double w_compute = o.weights[i] * (memory_larger ? 1 - overlap : 1);
    f[0] += w_memory * (c.memory_s - c.superblock_memory_s);
    f[o.superblock_index] += w_memory * c.superblock_memory_s;
    f[1] += o.weights[i] * o.layers;
    f[kRoundTrips] += o.weights[i] * o.layers * o.round_trip_s;
    const ArithmeticParts a = arithmetic_parts(c, o.attention_apart);
    f[o.compute_index] += w_compute * a.prompt_s;
    f[o.other_quant_compute_index] += w_compute * a.other_quant_prompt_s;
    f[o.decode_index] += w_compute * a.decode_s;
    f[kAttention] += w_compute * a.attention_s;
  }
  return f;
}

// Weighted least squares (each observation counts by its relative error) over the free unknowns;
// the others stay at their value in `t`. False when the points cannot separate the free ones.
bool solve(const std::vector<Observation>& obs, double overlap, const std::array<bool, kUnknowns>& free, Theta& t) {
  std::array<std::array<double, kUnknowns + 1>, kUnknowns> a{};  // normal equations, augmented
  std::array<int, kUnknowns> index{};
  int n = 0;
  for (int j = 0; j < static_cast<int>(kUnknowns); ++j) {
    if (free[static_cast<std::size_t>(j)]) index[static_cast<std::size_t>(n++)] = j;
  }
  for (const Observation& o : obs) {
    const Theta f = features(o, t, overlap);
    double y = o.seconds;
    for (int j = 0; j < static_cast<int>(kUnknowns); ++j) {
      if (!free[static_cast<std::size_t>(j)]) y -= f[static_cast<std::size_t>(j)] * t[static_cast<std::size_t>(j)];
    }
    const double w = o.robust_weight / (o.seconds * o.seconds);
    for (int r = 0; r < n; ++r) {
      const double fr = f[static_cast<std::size_t>(index[static_cast<std::size_t>(r)])];
      for (int c = 0; c < n; ++c) a[r][c] += w * fr * f[static_cast<std::size_t>(index[static_cast<std::size_t>(c)])];
      a[r][kUnknowns] += w * fr * y;
    }
  }
  // Gauss-Jordan with partial pivoting on at most kUnknowns unknowns.
  for (int c = 0; c < n; ++c) {
    int pivot = c;
    for (int r = c + 1; r < n; ++r) pivot = std::abs(a[r][c]) > std::abs(a[pivot][c]) ? r : pivot;
    std::swap(a[c], a[pivot]);
    if (!(std::abs(a[c][c]) > 1e-12 * std::max(1e-300, std::abs(a[0][0]) + std::abs(a[n - 1][n - 1])))) return false;
    for (int r = 0; r < n; ++r) {
      if (r == c) continue;
      const double factor = a[r][c] / a[c][c];
      for (int k = c; k <= static_cast<int>(kUnknowns); ++k) a[r][k] -= factor * a[c][k];
    }
  }
  for (int r = 0; r < n; ++r) t[static_cast<std::size_t>(index[static_cast<std::size_t>(r)])] = a[r][kUnknowns] / a[r][r];
  return true;
}

// Fits the free unknowns, dropping those the points cannot carry: the overhead when it comes out
// negative or inseparable from the bandwidth (one model size), then a compute efficiency that is
// not positive, the optional ones first. Dropped ones keep the class default. A bandwidth efficiency
// above 1 is held at 1 (kFullRead) and the rest refitted: on the Intel host of results/fit.md the free
// fit traded 1.26 of the read against 118 us per layer and step, and predicted the next set's tg64
// 11-18% fast on the larger model; held at the read, 13 us and every tg64 within 10%. A compute
// efficiency above 1 is held at 1 (kFullPeak) the same way: once batched float decode ran near its
// memory bound, the free fit gave its arithmetic 6.05 of the peak, the overlap 0 to match, and
// mispredicted the other points. A negative count of round trips per layer (less overhead on cores
// farther apart) is held at 0 the same way.
Theta fit_linear(const std::vector<Observation>& obs, double overlap, const Theta& defaults,
                 std::array<bool, kUnknowns> free) {
  Theta t = defaults;
  for (std::size_t attempt = 0; attempt < 2 * kUnknowns; ++attempt) {
    Theta trial = t;
    // For a partly overlapped step, which side is larger depends on theta: iterate to a fixed point.
    bool ok = true;
    for (int i = 0; i < 30 && ok; ++i) {
      const Theta before = trial;
      ok = solve(obs, overlap, free, trial);
      bool settled = true;
      for (std::size_t k : {std::size_t{0}, kPrompt, kPromptFloat, kDecode, kDecodeFloat, kSuperBlock, kAttention,
                            kPromptOtherQuant}) {
        settled = settled && std::abs(trial[k] - before[k]) <= 1e-12 * std::abs(before[k]);
      }
      if (ok && settled) break;
    }
    const auto positive = [&](std::size_t k) { return !free[k] || trial[k] > 0; };
    const bool superblocks_at_most_read = !free[kSuperBlock] || trial[kSuperBlock] >= kFullRead;
    std::size_t above_peak = kUnknowns;
    for (std::size_t k : kComputeUnknowns) {
      if (free[k] && trial[k] > 0 && trial[k] < kFullPeak) above_peak = k;
    }
    const bool round_trips_not_negative = !free[kRoundTrips] || trial[kRoundTrips] >= 0;
    if (ok && trial[0] >= kFullRead && superblocks_at_most_read && above_peak == kUnknowns && trial[1] >= 0 &&
        round_trips_not_negative && positive(kPrompt) && positive(kPromptFloat) && positive(kDecode) && positive(kDecodeFloat) &&
        positive(kAttention) && positive(kPromptOtherQuant))
      return trial;
    if (ok && free[0] && trial[0] < kFullRead) {
      free[0] = false;
      t[0] = kFullRead;
      continue;
    }
    if (ok && !superblocks_at_most_read) {
      free[kSuperBlock] = false;
      t[kSuperBlock] = kFullRead;
      continue;
    }
    if (ok && above_peak != kUnknowns) {
      free[above_peak] = false;
      t[above_peak] = kFullPeak;
      continue;
    }
    if (ok && !round_trips_not_negative) {  // no more overhead on cores farther apart
      free[kRoundTrips] = false;
      t[kRoundTrips] = 0;
      continue;
    }
    if (free[1] && (!ok || trial[1] < 0)) {
      free[1] = false;
      t[1] = ok ? 0 : defaults[1];
      continue;
    }
    std::size_t drop = kUnknowns;
    for (std::size_t k : {kPromptOtherQuant, kAttention, kDecodeFloat, kDecode, kPromptFloat}) {
      if (ok && !positive(k)) {
        drop = k;
        break;
      }
    }
    if (drop == kUnknowns && free[kPrompt]) drop = kPrompt;
    if (drop == kUnknowns) return defaults;
    free[drop] = false;
    t[drop] = defaults[drop];
  }
  return t;
}

double rel_error(const Observation& o, const Theta& t, double overlap) { return model_seconds(o, t, overlap) / o.seconds - 1; }

double rms(const std::vector<Observation>& obs, const Theta& t, double overlap, const std::string& test = "") {
  double s = 0;
  int n = 0;
  for (const Observation& o : obs) {
    if (!test.empty() && o.row.test != test) continue;
    s += rel_error(o, t, overlap) * rel_error(o, t, overlap);
    ++n;
  }
  return n ? std::sqrt(s / n) : 0;
}

// Points of a shared machine are sometimes disturbed (another job, a change of memory speed);
// Huber's loss keeps one such point from pulling every constant: squared within 10% relative
// error, linear beyond. Minimized by reweighted least squares.
constexpr double kHuberRelError = 0.10;

double huber_loss(const std::vector<Observation>& obs, const Theta& t, double overlap) {
  double loss = 0;
  for (const Observation& o : obs) {
    const double r = std::abs(rel_error(o, t, overlap));
    loss += r <= kHuberRelError ? r * r / 2 : kHuberRelError * (r - kHuberRelError / 2);
  }
  return loss;
}

Theta fit_robust(std::vector<Observation>& obs, double overlap, const Theta& defaults,
                 const std::array<bool, kUnknowns>& free) {
  for (Observation& o : obs) o.robust_weight = 1;
  Theta t = fit_linear(obs, overlap, defaults, free);
  double loss = huber_loss(obs, t, overlap);
  for (int i = 0; i < 50; ++i) {
    for (Observation& o : obs) o.robust_weight = std::min(1.0, kHuberRelError / std::abs(rel_error(o, t, overlap)));
    t = fit_linear(obs, overlap, defaults, free);
    const double before = std::exchange(loss, huber_loss(obs, t, overlap));
    if (std::abs(loss - before) < 1e-12) break;
  }
  return t;
}

Observation observation(const detail::RecordPoint& p, double bytes_per_s, const std::vector<StepLoad>& steps,
                        const std::vector<double>& weights, double peak_flops, double float_peak_flops) {
  Observation o;
  o.row = {p.test, "", detail::model_label(p.model, p.scheme), p.params.users, p.params.prompt, p.params.gen,
           p.params.depth, 0, 0};
  o.layers = p.shape.spec.n_layers;
  o.compute_index = p.shape.quantized ? kPrompt : kPromptFloat;
  o.decode_index = p.shape.quantized ? kDecode : kDecodeFloat;
  if (p.bandwidth.around) o.round_trip_s = p.bandwidth.round_trip_ns * 1e-9;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (weights[i] == 0) continue;
    o.costs.push_back(step_cost(p.shape, bytes_per_s, peak_flops, float_peak_flops, steps[i]));
    o.weights.push_back(weights[i]);
  }
  return o;
}

// A time in seconds from a record's statistic: tokens / tok/s, or ms / 1000.
void add(std::vector<Observation>& out, Observation o, const std::string& metric, double seconds, double tokens) {
  if (!(seconds > 0) || !std::isfinite(seconds) || o.costs.empty()) return;
  o.row.metric = metric;
  o.seconds = seconds;
  o.tokens = tokens;
  o.row.measured = tokens > 0 ? tokens / seconds : seconds * 1e3;
  out.push_back(std::move(o));
}

// The observations one record gives: tg and pp one each, a serving point up to three; its read
// taken as no more than read_ceiling_gbps (0: none).
void observe(const Hardware& local, const json& r, const detail::RecordPoint& p, double read_ceiling_gbps,
             std::vector<Observation>& out) {
  const double peak = compute_peak_tflops(local, p.shape.quantized) * 1e12, float_peak = local.compute_tflops * 1e12;
  const double bytes_per_s = read_below_ceiling(p.bandwidth.gbps, read_ceiling_gbps) * 1e9;
  const auto of = [&](const std::vector<StepLoad>& steps, const std::vector<double>& weights) {
    return observation(p, bytes_per_s, steps, weights, peak, float_peak);
  };
  if (p.test == "pp") {
    const std::vector<StepLoad> steps = prefill_steps(p.shape, p.params);
    const double tok_s = detail::record_stat(r, "pp_tok_s", "median");
    const auto prompt = static_cast<double>(p.params.prompt);
    add(out, of(steps, std::vector<double>(steps.size(), 1.0)), "pp tok/s", prompt / tok_s, prompt);
    return;
  }
  if (p.test == "tg") {
    // bench's tg: a one-token prompt, then `gen` timed decode steps of one sequence.
    ServingLoad one{1, 1, p.params.gen + 1, p.params.depth, 1, 0, 512, 512, p.params.kv_type};
    const Schedule s = closed_loop_schedule(p.shape, one);
    const double tok_s = detail::record_stat(r, "tg_tok_s", "median");
    add(out, of(s.steps, serving_weights(s).tpot), "tg tok/s", 1 / tok_s, 1);
    return;
  }
  const Schedule s = closed_loop_schedule(p.shape, serving_load(p.params));
  const ServingWeights w = serving_weights(s);
  const double agg = detail::record_stat(r, "agg_tok_s", "median");
  add(out, of(s.steps, w.window), "agg tok/s", w.window_tokens / agg, w.window_tokens);
  if (w.has_tpot) add(out, of(s.steps, w.tpot), "TPOT ms (mean)", detail::record_stat(r, "tpot_ms", "mean") / 1e3, 0);
  add(out, of(s.steps, w.ttft), "TTFT ms (mean)", detail::record_stat(r, "ttft_ms", "mean") / 1e3, 0);
}

int count(const std::vector<Observation>& obs, const std::string& test) {
  return static_cast<int>(std::count_if(obs.begin(), obs.end(), [&](const Observation& o) { return o.row.test == test; }));
}

// The cores' round trips the fitted points ran at: their median, which the overhead is stated at
// (0: none sampled), and whether they lie far enough apart to fit the overhead per round trip: the
// largest more than RecordBandwidth::kMovedRoundTrip times the smallest, and at least two points
// on either side of the middle between them (one point at one placement would set it alone).
struct RoundTrips {
  double median_ns = 0;
  bool apart = false;
};

// The records a calibration's observations came from, with what was read of each.
using Used = std::vector<std::pair<const json*, detail::RecordPoint>>;

RoundTrips round_trips(const Used& used) {
  std::vector<double> ns;
  for (const auto& [r, p] : used) {
    if (p.bandwidth.around && p.bandwidth.round_trip_ns > 0) ns.push_back(p.bandwidth.round_trip_ns);
  }
  if (ns.empty()) return {};
  std::sort(ns.begin(), ns.end());
  const double middle = std::sqrt(ns.front() * ns.back());
  const auto below = std::count_if(ns.begin(), ns.end(), [&](double x) { return x < middle; });
  const auto above = static_cast<std::ptrdiff_t>(ns.size()) - below;
  return {ns[ns.size() / 2], ns.back() > RecordBandwidth::kMovedRoundTrip * ns.front() && below >= 2 && above >= 2};
}

// The observations of the usable records, and the records they came from.
struct Gathered {
  std::vector<Observation> obs;
  Used used;
  int serving_records = 0, depth_records = 0;
};

// Observes every usable record of this machine; counts in the report the ones left out, and the
// tracked points.
Gathered gather(const Hardware& local, const std::vector<json>& records, CalibrationReport& report) {
  Gathered g;
  detail::RecordSkips skips;
  for (const json* r : detail::usable_records(local, records, skips)) {
    const std::optional<detail::RecordPoint> p = detail::record_point(local, *r);
    // A run the machine's bandwidth moved under has no one bandwidth to fit it against.
    if (p && p->bandwidth.moved()) {
      ++report.skipped_read_moved;
      continue;
    }
    const std::size_t before = g.obs.size();
    if (p) observe(local, *r, *p, 0, g.obs);
    if (g.obs.size() == before) {
      ++skips.unusable;
      continue;
    }
    g.used.emplace_back(r, *p);
    g.serving_records += p->test == "serve";
    g.depth_records += p->params.depth > 0;
    report.calibration.tracked_points += p->test != "pp" && p->bandwidth.around;
  }
  report.skipped_other_machine = skips.other_machine;
  report.skipped_not_ok = skips.not_ok;
  report.skipped_unusable = skips.unusable;
  return g;
}

// An efficiency is fitted only where points show it, and otherwise merges into the one it falls
// back to: float weights' prompt arithmetic needs a pp or serving point of a float model; decode
// tokens' arithmetic a serving point of several users (a tg step carries one token, too little
// arithmetic to tell); the K-quant weights' bandwidth a tg or serving point of a model that has
// some beside one of a model that has none or few (under a third of its bytes); the prompt
// arithmetic of quantized types other than Q8_0 and Q4_0 a pp point of a model with a third or
// more of its layers' parameters in them beside one with less; attention's arithmetic a point at a
// depth; the overhead per round trip points at round trips far apart.
std::array<bool, kUnknowns> unknowns_shown(const Gathered& g, const RoundTrips& trips) {
  const std::vector<Observation>& obs = g.obs;
  const auto has_superblocks = [&](const Observation& o, bool many) {
    return o.row.test != "pp" && !o.costs.empty() &&
           (o.costs[0].superblock_memory_s > o.costs[0].memory_s / 3) == many;
  };
  const auto any = [&](auto&& test) { return std::any_of(obs.begin(), obs.end(), test); };
  const bool superblocks_seen = any([&](const Observation& o) { return has_superblocks(o, true); }) &&
                                any([&](const Observation& o) { return has_superblocks(o, false); });
  const auto seen = [&](std::size_t k) {
    return any([&](const Observation& o) {
      if (k == kPromptFloat) return o.compute_index == k && o.row.test != "tg";
      return o.decode_index == k && o.row.test == "serve" && o.row.users >= 2;
    });
  };
  const auto pp_of_other_quant = [&](bool many) {
    return any([&](const Observation& o) {
      return o.row.test == "pp" && o.compute_index == kPrompt && !o.costs.empty() &&
             (o.costs[0].other_quant_share >= 1.0 / 3) == many;
    });
  };
  const bool depth_seen = any([](const Observation& o) { return o.row.depth > 0; });
  return {true,
          true,
          count(obs, "pp") + g.serving_records > 0,
          seen(kPromptFloat),
          seen(kDecode),
          seen(kDecodeFloat),
          superblocks_seen,
          depth_seen,
          trips.apart,
          pp_of_other_quant(true) && pp_of_other_quant(false)};
}

// Points each observation's unknowns that the points do not show at the ones they fall back to.
void merge_unseen(std::vector<Observation>& all, const std::array<bool, kUnknowns>& free, const RoundTrips& trips) {
  for (Observation& o : all) {
    if (o.round_trip_s == 0) o.round_trip_s = trips.median_ns * 1e-9;
    o.attention_apart = free[kAttention];
    if (!free[kPromptFloat]) o.compute_index = kPrompt;
    if (!free[o.decode_index]) o.decode_index = o.compute_index;
    if (!free[kSuperBlock]) o.superblock_index = 0;
    o.other_quant_compute_index = free[kPromptOtherQuant] ? kPromptOtherQuant : o.compute_index;
  }
}

struct Fit {
  double loss = INFINITY;
  Theta theta{};
  double overlap = 0;
  double ceiling = 0;
  std::vector<Observation> obs;
};

// What every fit of one calibration shares.
struct FitSetup {
  Theta defaults;
  std::array<bool, kUnknowns> free;
  RoundTrips trips;
  std::vector<double> overlaps;  // tried in turn; the one of the lowest loss is kept
  double default_overlap;        // the class's, where no overlap fits
};

// The fit of observations made with reads above `ceiling` taken as it (0: none).
Fit fit_on(std::vector<Observation> observations, double ceiling, const FitSetup& setup) {
  Fit f{INFINITY, setup.defaults, setup.default_overlap, ceiling, std::move(observations)};
  merge_unseen(f.obs, setup.free, setup.trips);
  for (double ov : setup.overlaps) {
    const Theta t = fit_robust(f.obs, ov, setup.defaults, setup.free);
    if (const double loss = huber_loss(f.obs, t, ov); loss < f.loss) f.loss = loss, f.theta = t, f.overlap = ov;
  }
  return f;
}

// The fit without a read ceiling, or with one where tracked points were read at bandwidths far
// apart: candidates kCeilingStep apart between the lowest and the highest read, the best kept if it
// fits kCeilingGain better.
Fit best_fit(const Hardware& local, std::vector<Observation> obs, const Used& used, const FitSetup& setup) {
  Fit best = fit_on(std::move(obs), 0, setup);
  double low = INFINITY, high = 0;
  for (const auto& [r, p] : used) {
    if (p.test == "pp" || !p.bandwidth.around) continue;
    low = std::min(low, p.bandwidth.gbps);
    high = std::max(high, p.bandwidth.gbps);
  }
  Fit capped;
  for (double ceiling = low * kCeilingStep; high > low * RecordBandwidth::kMovedSpread && ceiling < high;
       ceiling *= kCeilingStep) {
    std::vector<Observation> at;
    for (const auto& [r, p] : used) observe(local, *r, p, ceiling, at);
    if (Fit f = fit_on(std::move(at), ceiling, setup); f.loss < capped.loss) capped = std::move(f);
  }
  return capped.loss < (1 - kCeilingGain) * best.loss ? std::move(capped) : std::move(best);
}

// The calibration the fit gives, its rows and its warnings, into the report.
void fill_report(const Fit& best, const Gathered& g, const FitSetup& setup, CalibrationReport& report) {
  const Theta& theta = best.theta;
  const double overlap = best.overlap;
  const std::vector<Observation>& obs = best.obs;
  Calibration& c = report.calibration;
  const auto fitted = [&](std::size_t k) { return setup.free[k] ? 1 / theta[k] : 0.0; };  // 0: falls back
  c.efficiency = {1 / theta[0], theta[1] * 1e6, 1 / theta[kPrompt], overlap, true, "",
                  fitted(kPromptFloat), fitted(kDecode), fitted(kDecodeFloat), fitted(kSuperBlock),
                  fitted(kAttention), best.ceiling};
  c.efficiency.compute_other_quant = fitted(kPromptOtherQuant);
  if (theta[kRoundTrips] > 0) {  // stated at the median round trip
    c.efficiency.step_overhead_us_per_layer += theta[kRoundTrips] * setup.trips.median_ns * 1e-3;
    c.efficiency.overhead_round_trips_per_layer = theta[kRoundTrips];
    c.efficiency.overhead_round_trip_ns = setup.trips.median_ns;
  }
  c.decode_points = count(obs, "tg");
  c.prefill_points = count(obs, "pp");
  c.serving_points = g.serving_records;
  c.depth_points = g.depth_records;
  c.decode_rms_rel_error = rms(obs, theta, overlap, "tg");
  c.prefill_rms_rel_error = rms(obs, theta, overlap, "pp");
  c.serving_rms_rel_error = rms(obs, theta, overlap, "serve");
  for (const Observation& o : obs) {
    CalibrationRow row = o.row;
    const double s = model_seconds(o, theta, overlap);
    row.fitted = o.tokens > 0 ? o.tokens / s : s * 1e3;
    report.rows.push_back(row);
  }
  if (c.prefill_points + g.serving_records == 0) {
    report.warnings.push_back("no usable pp or serving point: the compute efficiency stays the class default");
  }
  if (std::any_of(std::begin(kComputeUnknowns), std::end(kComputeUnknowns),
                  [&](std::size_t k) { return setup.free[k] && theta[k] == kFullPeak; })) {
    report.warnings.push_back("the steps would compute faster than the compute peak; held at the peak: the peak "
                              "was measured low, or memory time hides the arithmetic more than the overlap says");
  }
  if (theta[0] == kFullRead) {
    report.warnings.push_back("the steps would stream faster than the read bandwidth; held at the read: part of "
                              "the weights may sit in cache, or the bandwidth was read on a busy machine");
  }
}

}  // namespace

Result<CalibrationReport> calibrate(const Hardware& local, const std::vector<json>& records,
                                    const std::string& source_name) {
  CalibrationReport report;
  Gathered g = gather(local, records, report);  // its observations move into the fit
  if (count(g.obs, "tg") + g.serving_records == 0) {
    return make_error("{}: no usable tg or serving point of this machine ({}) among {} records ({} of other machines, "
                      "{} not ok, {} unusable, {} whose bandwidth moved around or during the run)", source_name, local.fingerprint,
                      records.size(), report.skipped_other_machine, report.skipped_not_ok, report.skipped_unusable,
                      report.skipped_read_moved);
  }
  const Efficiency d = default_efficiency(local.device_class);
  const RoundTrips trips = round_trips(g.used);
  FitSetup setup{{1 / d.decode_bandwidth, d.step_overhead_us_per_layer * 1e-6, 1 / d.compute_for(true),
                  1 / d.compute_for(false), 1 / d.compute_for(true, true), 1 / d.compute_for(false, true),
                  1 / d.bandwidth_for_superblocks(), 1 / (d.attention > 0 ? d.attention : d.compute_for(false)), 0,
                  1 / d.compute_for_other_quant()},
                 unknowns_shown(g, trips),
                 trips,
                 {d.compute_overlap},
                 d.compute_overlap};
  // The overlap only shows when steps carry several tokens: serving points.
  if (g.serving_records > 0) setup.overlaps = {0, 0.25, 0.5, 0.75, 1};
  const Fit best = best_fit(local, std::move(g.obs), g.used, setup);
  fill_report(best, g, setup, report);
  Calibration& c = report.calibration;
  c.fingerprint = local.fingerprint;
  c.results_file = source_name;
  c.timestamp_utc = utc_now_iso8601();
  c.efficiency.source = calibration_source(c);
  return report;
}

Result<CalibrationReport> calibrate_file(const Hardware& local, const std::filesystem::path& results) {
  Result<std::vector<json>> records = detail::read_records(results);
  if (!records.ok()) return records.error();
  return calibrate(local, *records, results.string());
}

}  // namespace memwall::fit
