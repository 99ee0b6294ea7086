// memwall bench: the sweep. Loads each model once, runs every point, appends each finished point
// to --save at once, prints rows as they finish; Ctrl-C keeps what is done and exits 130.
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "bench_printer.hpp"
#include "commands.hpp"
#include "memwall/bench/endpoint_runner.hpp"
#include "memwall/bench/ranges.hpp"
#include "memwall/bench/record.hpp"
#include "memwall/engine/kv_cache.hpp"
#include "memwall/fit/compare.hpp"
#include "memwall/fit/efficiency.hpp"
#include "memwall/fit/hardware.hpp"
#include "memwall/fit/predict.hpp"
#include "memwall/engine/model.hpp"
#include "memwall/hw/compute_peak.hpp"
#include "memwall/hw/memory.hpp"
#include "memwall/hw/probe.hpp"
#include "memwall/hw/probe_cache.hpp"
#include "memwall/hw/read_sampler.hpp"
#include "memwall/hw/system_state.hpp"
#include "memwall/model/params.hpp"
#include "memwall/model/presets.hpp"
#include "memwall/model/scheme.hpp"
#include "memwall/report/row_writer.hpp"
#include "memwall/util/build_info.hpp"
#include "memwall/util/clock.hpp"
#include "memwall/util/stats.hpp"

namespace memwall::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_sigint(int) { g_stop.store(true); }

struct BenchCliOptions {
  std::string profile;
  std::string models, quants, threads, concurrency, rates, prompts, gens, depths, kv_types, prefill_budgets;
  std::int64_t max_concurrency = 0;
  std::int64_t repetitions = 0, warmup = -1, requests = 0;
  double min_time_s = -1;
  std::uint64_t seed = 1;
  std::string output = "table";
  std::string save;
  bool refresh_probe = false;
  bool track_bandwidth = false;
  // An external server instead of the built-in engine.
  std::string endpoint, api = "openai-completions", api_key_env, extra_body;
  std::vector<std::string> headers;
  std::optional<std::string> proxy;
  bool insecure = false, no_ignore_eos = false;
  double connect_timeout_s = 10, first_byte_timeout_s = 300, idle_timeout_s = 120;
  double max_error_rate = 0.05;
};

// The flags over the profile; the embedded default ('quick') when neither names a model.
Result<bench::SweepSpec> build_spec(const BenchCliOptions& o) {
  bench::SweepSpec spec;
  if (!o.profile.empty() || o.models.empty()) {
    auto base = bench::load_sweep_profile(o.profile.empty() ? "quick" : o.profile);
    if (!base) return base.error();
    spec = *base;
  }
  const auto names = [](const std::string& text, const char* flag, std::vector<std::string>& out) -> Status {
    if (text.empty()) return {};
    auto v = bench::parse_name_list(text, flag);
    if (!v) return v.error();
    out = *v;
    return {};
  };
  const auto ints = [](const std::string& text, const char* flag, std::int64_t min, std::vector<std::int64_t>& out) -> Status {
    if (text.empty()) return {};
    auto v = bench::parse_int_list(text, flag, min);
    if (!v) return v.error();
    out = *v;
    return {};
  };
  for (Status s : {names(o.models, "-m", spec.models), names(o.quants, "-q", spec.quants),
                   names(o.kv_types, "--kv-type", spec.kv_types), ints(o.threads, "-t", 0, spec.threads),
                   ints(o.concurrency, "-c", 1, spec.concurrency), ints(o.prompts, "-p", 0, spec.prompts),
                   ints(o.gens, "-n", 0, spec.gens), ints(o.depths, "-d", 0, spec.depths),
                   ints(o.prefill_budgets, "--prefill-budget", 1, spec.prefill_budgets)}) {
    if (!s.ok()) return s.error();
  }
  if (!o.rates.empty()) {
    auto v = bench::parse_number_list(o.rates, "--rate");
    if (!v) return v.error();
    spec.rates = *v;
  }
  for (std::int64_t budget : spec.prefill_budgets) {
    if (budget > bench::kMaxPrefillBudget) {
      return make_error("--prefill-budget: {} is more than {} tokens per step", budget, bench::kMaxPrefillBudget);
    }
  }
  for (const std::string& kv : spec.kv_types) {
    if (!engine::kv_type_from_name(kv)) return make_error("--kv-type: '{}' is not f16, q8_0 or f32", kv);
  }
  for (const std::string& q : spec.quants) {
    if (!model::scheme_from_name(q)) return make_error("-q: '{}' is not a known scheme (see 'memwall model --help')", q);
  }
  if (o.max_concurrency > 0) spec.rate_max_concurrency = o.max_concurrency;
  if (o.repetitions > 0) spec.repetitions = o.repetitions;
  if (o.warmup >= 0) spec.warmup = o.warmup;
  if (o.requests > 0) spec.requests = o.requests;
  if (o.min_time_s >= 0) spec.min_time_s = o.min_time_s;
  spec.seed = o.seed;
  return spec;
}

std::uint64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}
// Starts a new peak for the next point (Linux: writing 5 to clear_refs resets VmHWM).
void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// One loaded model and what the records say about it.
struct Loaded {
  std::shared_ptr<const engine::Model> model;
  bench::ModelFacts facts;
  bench::ModelCost cost;
  bool quantized = true;
  std::optional<fit::ModelShape> shape;  // for the prediction beside each measurement
};

Result<Loaded> load(const std::string& name, const std::string& scheme_name, unsigned threads) {
  engine::LoadOptions options;
  options.threads = threads;
  std::optional<model::Scheme> scheme;
  if (!scheme_name.empty()) scheme = model::scheme_from_name(scheme_name);
  Result<std::shared_ptr<const engine::Model>> m = make_error("unreachable");
  if (name.rfind("preset:", 0) == 0) {
    const auto preset = model::find_preset(name.substr(7));
    if (!preset) return make_error("-m: no preset '{}' (see 'memwall model presets')", name.substr(7));
    m = engine::load_preset(preset->spec, scheme.value_or(model::Scheme::Q4_0), options);
  } else {
    options.requantize = scheme;
    m = engine::load_gguf(name, options);
  }
  if (!m) return m.error();
  Loaded l;
  l.model = *m;
  const model::ModelSpec& s = l.model->spec;
  const model::ParamCounts params = model::count_params(s, model::plan_tensors(s));
  l.facts = {s.name, std::string(model::arch_name(s.arch)), static_cast<double>(params.total),
             static_cast<double>(params.active), static_cast<double>(l.model->weight_bytes.total),
             l.model->weight_bytes.per_token, 0, s.n_layers, s.n_head_kv, s.head_dim, s.n_expert, s.n_expert_used};
  l.cost.weight_bytes_per_step = l.model->weight_bytes.per_token;
  l.cost.flops_per_token = 2.0 * static_cast<double>(params.active_excluding_input_embedding());
  l.cost.vocab = static_cast<std::int32_t>(s.n_vocab);
  if (scheme) {
    l.shape = fit::shape_from_preset(s, *scheme);
  } else if (auto shape = fit::shape_from_gguf(name)) {
    l.shape = *shape;
  }
  l.quantized = !scheme_name.empty() ? !(scheme_name == "F32" || scheme_name == "F16" || scheme_name == "BF16") : true;
  return l;
}

void catch_sigint() {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigaction(SIGINT, &sa, nullptr);
}

// Warnings that hold for the whole run: printed once, and kept in every record.
std::vector<std::string> run_warnings() {
  std::vector<std::string> warnings;
  const BuildInfo& build = build_info();
  if (!build.optimized()) warnings.push_back(fmt::format("{} build: numbers are not representative", build.build_type));
  for (const std::string& g : hw::frequency_governors()) {
    if (g != "performance") warnings.push_back(fmt::format("CPU frequency governor is '{}', not 'performance'", g));
  }
  for (const std::string& w : warnings) std::cerr << "memwall: warning: " << w << '\n';
  return warnings;
}

void add_cv_warnings(nlohmann::json& record) {
  for (const auto& [metric, stat] : record["stats"].items()) {
    const bool throughput = metric == "pp_tok_s" || metric == "tg_tok_s" || metric == "agg_tok_s";
    if (throughput && stat["n"].get<int>() >= 3 && stat["cv"].get<double>() > 0.05) {
      record["warnings"].push_back(fmt::format("{} varies by {:.1f}% (CV above 5%)", metric, 100 * stat["cv"].get<double>()));
    }
  }
}

// The test fit applies before it trusts a run (fit::RecordBandwidth::moved), said where the run is
// printed: the machine's bandwidth moved while it ran.
void add_moved_warnings(nlohmann::json& record) {
  const fit::RecordBandwidth b = fit::record_bandwidth(fit::Hardware{}, record);
  constexpr double kMoved = fit::RecordBandwidth::kMovedSpread;
  if (b.spread > kMoved) {
    record["warnings"].push_back(fmt::format("the reads around the run differ by {:.2f}x: the bandwidth moved while it ran", b.spread));
  }
  if (b.step_spread > kMoved) {
    record["warnings"].push_back(fmt::format("decode steps of one batch size ran at rates {:.2f}x apart: the bandwidth moved while it ran", b.step_spread));
  }
  if (b.compute_spread > kMoved) {
    record["warnings"].push_back(fmt::format("the compute peak around the run differs by {:.2f}x: the host's compute moved while it ran", b.compute_spread));
  }
  if (b.round_trip_spread > fit::RecordBandwidth::kMovedRoundTrip) {
    record["warnings"].push_back(fmt::format("the cores' round trip around the run ranged from {:.0f} to {:.0f} ns: the host moved the cores while it ran",
                                             b.round_trip_min_ns, b.round_trip_max_ns));
  }
}

nlohmann::json prediction_json(const fit::Hardware& local, const fit::ModelShape& shape, const bench::Point& point,
                               engine::KvType kv) {
  fit::PointParams params;
  params.users = std::max<std::int64_t>(point.concurrency, 1);
  params.prompt = point.prompt;
  params.gen = point.gen;
  params.depth = point.depth;
  params.kv_type = engine::kv_tensor_type(kv);
  // The load bench runs and the engine's step limits, so that serving predictions time the same steps.
  params.requests = point.requests;
  params.warmup = point.warmup;
  params.prefill_budget = point.prefill_budget;
  params.max_batch_tokens = 0;  // as measure_engine_point sets the engine: every decode token and the budget
  const fit::Prediction pred = fit::predict_point(local, shape, params);
  return {{"pp_tok_s", pred.pp_tok_s}, {"tg_tok_s", pred.tg_tok_s}, {"agg_tok_s", pred.agg_tok_s},
          {"ttft_ms", pred.ttft_ms}, {"basis", pred.basis}};
}

// The sweep against a server: serving points only (c = 1 when neither -c nor --rate is given),
// the same records, no roofline (the server's memory is not this probe's).
int run_endpoint_bench(const BenchCliOptions& o, bench::SweepSpec spec, report::Format format) {
  if (spec.models.empty()) return fail(kExitUsageError, "--endpoint needs -m NAME: the server's model name");
  if (!spec.quants.empty()) return fail(kExitUsageError, "-q does not apply to --endpoint: the server's model is what it is");
  if (!o.prefill_budgets.empty()) {
    return fail(kExitUsageError, "--prefill-budget does not apply to --endpoint: the server schedules its own steps");
  }
  if (o.track_bandwidth) {
    return fail(kExitUsageError, "--track-bandwidth does not apply to --endpoint: the server's memory is not this process's");
  }
  for (std::int64_t d : spec.depths) {
    if (d != 0) return fail(kExitUsageError, "-d does not apply to --endpoint: a server's cache cannot be pre-filled");
  }
  if (spec.concurrency.empty() && spec.rates.empty()) spec.concurrency = {1};
  spec.threads = {0};
  spec.kv_types = {"server"};
  const std::optional<backends::Api> api = backends::api_from_name(o.api);
  if (!api) return fail(kExitUsageError, fmt::format("--api: '{}' is not openai-completions, openai-chat or ollama", o.api));
  auto points = bench::expand(spec);
  if (!points) return fail(kExitUsageError, points.error().message);
  auto out = SweepOutput::open(format, o.save, points->size());
  if (!out) return fail(kExitRuntimeError, out.error().message);
  const auto fingerprint = hw::local_fingerprint();
  catch_sigint();

  SteadyClock clock;
  for (bench::Point point : *points) {
    if (g_stop.load()) break;
    point.scheme = "server";
    backends::EndpointConfig endpoint;
    endpoint.url = o.endpoint;
    endpoint.api = *api;
    endpoint.model = point.model;
    endpoint.headers = o.headers;
    endpoint.api_key_env = o.api_key_env;
    endpoint.timeouts = {o.connect_timeout_s, o.first_byte_timeout_s, o.idle_timeout_s};
    endpoint.proxy = o.proxy;
    endpoint.verify_tls = !o.insecure;
    endpoint.ignore_eos = !o.no_ignore_eos;
    endpoint.extra_body = o.extra_body;
    auto run = bench::run_endpoint_point(point, endpoint, clock, &g_stop);
    // Nothing could be sent: every point would fail the same way.
    if (!run) return fail(kExitUsageError, "--endpoint: " + run.error().message);
    if (run->interrupted) break;
    bench::PointExtras extras;
    extras.backend = backends::api_name(*api);
    extras.endpoint = o.endpoint;
    bench::ModelFacts facts;
    facts.name = point.model;
    const bench::Provenance prov{"", "server", fingerprint ? *fingerprint : "unknown", utc_now_iso8601()};
    nlohmann::json record = bench::make_record(point, *run, facts, {}, extras, prov);
    record["roofline"]["efficiency"] = nullptr;
    if (const double rate = bench::error_rate(*run); rate > o.max_error_rate) {
      record["status"] = "failed";
      record["reason"] = fmt::format("{:.1f}% of requests failed, above --max-error-rate {:.1f}%", 100 * rate, 100 * o.max_error_rate);
    }
    add_cv_warnings(record);
    (*out)->emit(record);
  }
  return (*out)->finish(g_stop.load());
}

// Seconds of reading per --track-bandwidth sample: several passes over the buffer, short beside a
// repetition of a few seconds.
constexpr double kReadSampleSeconds = 0.25;

// The probe's read kernel, on the cores a point runs on, over a buffer the size a full probe reads.
Result<std::unique_ptr<hw::ReadSampler>> make_read_sampler(const hw::ProbeResult& probe, unsigned threads) {
  const hw::Candidates tables = hw::runnable_bandwidth_kernels(probe.cpu.isa);
  const hw::BandwidthPoint* probed = probe.bandwidth.find("read", probe.all_cores());
  const hw::BandwidthKernels* kernels = tables.front();
  for (const hw::BandwidthKernels* k : tables) {
    if (probed && k->isa == probed->isa) kernels = k;
  }
  const std::uint64_t bytes = hw::bandwidth_array_bytes(probe.topology, hw::available_memory_bytes(), hw::kFullProbeArrayFloorBytes);
  return hw::ReadSampler::create(threads, bytes, *kernels);
}

// The compute peak a prompt test's roofline divides by (the probe's int8 kernel for quantized
// weights, its f32 one for float), on `threads` cores now: the mean of 5 runs of 10 ms, so that a
// dip of a few ms weighs as much as it would in a repetition.
Result<double> sample_compute_gops(const hw::ProbeResult& probe, unsigned threads, bool quantized) {
  const std::vector<hw::PeakKernel> kernels =
      quantized ? hw::runnable_int8_kernels(probe.cpu.isa) : hw::runnable_f32_kernels(probe.cpu.isa);
  Result<hw::PeakResult> peak = hw::measure_peak(kernels.front(), probe.topology, threads, 5, 10);
  if (!peak) return peak.error();
  return summarize(peak->samples_gops).mean;
}

// How many sequences a point holds at once, and how long each gets.
struct PointCaches {
  std::int64_t users;    // sequences decoding at once
  std::int64_t context;  // positions each sequence's cache holds
  std::int64_t caches;   // caches allocated: one per user, or per request of an uncapped open loop
};

PointCaches point_caches(const bench::Point& point) {
  const std::int64_t users = std::max<std::int64_t>({point.concurrency, point.max_concurrency, 1});
  const std::int64_t context = point.depth + point.prompt + point.gen + 1;
  return {users, context, point.rate > 0 && point.max_concurrency == 0 ? point.requests : users};
}

engine::EngineOptions engine_options(const bench::Point& point, const PointCaches& c, engine::KvType kv,
                                     std::int64_t threads) {
  engine::EngineOptions eo;
  eo.threads = static_cast<unsigned>(threads);
  eo.kv_type = kv;
  eo.max_context = c.context + 16;
  eo.max_sequences = std::max<std::int64_t>(c.users, point.rate > 0 ? point.requests : 1);
  eo.prefill_budget = point.prefill_budget;
  eo.max_batch_tokens = eo.max_sequences + point.prefill_budget;
  return eo;
}

// --track-bandwidth's samples on ctx: the read (and the cores' round trip) around tg and serving
// repetitions, the compute peak around pp ones. Returns the read sampler, which must outlive the
// run (null for pp).
Result<std::unique_ptr<hw::ReadSampler>> track_bandwidth(bench::RunContext& ctx, const bench::Point& point,
                                                         const hw::ProbeResult& probe, unsigned threads, bool quantized) {
  if (point.test == bench::TestKind::pp) {
    ctx.compute_gops_now = [&probe, threads, quantized]() { return sample_compute_gops(probe, threads, quantized); };
    return std::unique_ptr<hw::ReadSampler>{};
  }
  auto sampler = make_read_sampler(probe, threads);
  if (!sampler) return sampler.error();
  hw::ReadSampler* s = sampler->get();
  ctx.read_gbs_now = [s] { return s->sample_gbps(kReadSampleSeconds); };
  if (s->threads() > 1) ctx.core_round_trip_ns_now = [s] { return s->round_trip_ns(); };
  return sampler;
}

// One point on the built-in engine, as its record: skipped when its KV cache would not fit,
// failed with the engine's error, measured otherwise. Sets *interrupted on Ctrl-C.
nlohmann::json measure_engine_point(const bench::Point& point, const Loaded& loaded, const hw::ProbeResult& probe,
                                    const Result<fit::Hardware>& local, bench::PointExtras extras, bench::Provenance prov,
                                    bool track, bool* interrupted) {
  const engine::KvType kv = *engine::kv_type_from_name(point.kv_type);
  bench::ModelCost cost = loaded.cost;
  cost.kv_bytes_per_token = static_cast<double>(engine::KvCache::bytes_for(loaded.model->spec, kv, engine::kKvTile)) / engine::kKvTile;
  bench::ModelFacts facts = loaded.facts;
  facts.kv_bytes_per_token = cost.kv_bytes_per_token;
  const PointCaches caches = point_caches(point);
  const double kv_needed = cost.kv_bytes_per_token * static_cast<double>(caches.context * caches.caches);
  const auto available = static_cast<double>(hw::available_memory_bytes());
  if (kv_needed > 0.9 * available) {
    return bench::make_failed_record(point, "skipped",
                                     fmt::format("KV cache would need {:.2f} GiB, {:.2f} GiB available",
                                                 kv_needed / (1 << 30), available / (1 << 30)),
                                     facts, extras, prov);
  }
  if (available < 0.1 * static_cast<double>(probe.memory.total_bytes)) {
    extras.warnings.push_back("memory pressure: under 10% of memory available");
  }
  const engine::EngineOptions eo = engine_options(point, caches, kv, extras.threads);
  SteadyClock clock;
  bench::RunContext ctx{
      clock,
      [&](std::int64_t ns) {
        while (clock.now_ns() < ns && !g_stop.load()) {
          std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<std::int64_t>(ns - clock.now_ns(), 10'000'000)));
        }
      },
      &g_stop,
      [&]() -> Result<std::unique_ptr<bench::Target>> {
        auto e = engine::Engine::create(loaded.model, eo, clock);
        if (!e) return e.error();
        prov.isa = std::string(quant::isa_name((*e)->isa()));
        return std::unique_ptr<bench::Target>(std::make_unique<bench::EngineTarget>(std::move(*e)));
      },
      {},
      {},
      {}};
  std::unique_ptr<hw::ReadSampler> sampler;
  if (track) {
    auto tracked = track_bandwidth(ctx, point, probe, static_cast<unsigned>(extras.threads), loaded.quantized);
    if (!tracked) return bench::make_failed_record(point, "failed", "--track-bandwidth: " + tracked.error().message, facts, extras, prov);
    sampler = std::move(tracked).value();
  }
  reset_peak_rss();
  auto run = bench::run_point(point, cost, ctx);
  if (!run) return bench::make_failed_record(point, "failed", run.error().message, facts, extras, prov);
  *interrupted = run->interrupted;
  // The engine's peak: the sampler's buffer, resident throughout, is not the model's to carry.
  const std::uint64_t rss = peak_rss_bytes();
  extras.peak_rss_bytes = rss - (sampler ? std::min(rss, sampler->buffer_bytes()) : 0);
  const bench::Roofline roofline{probe.read_gbps(), loaded.quantized ? probe.int8.best_gops : probe.f32.best_gops};
  nlohmann::json record = bench::make_record(point, *run, facts, roofline, extras, prov);
  if (local && loaded.shape) {
    // Predicted at the bandwidth the run had, as fit --compare does.
    const fit::Hardware at = fit::at_bandwidth(*local, fit::record_bandwidth(*local, record));
    record["prediction"] = prediction_json(at, *loaded.shape, point, kv);
  }
  add_cv_warnings(record);
  add_moved_warnings(record);
  return record;
}

int run_bench(const BenchCliOptions& o) {
  auto spec = build_spec(o);
  if (!spec) return fail(kExitUsageError, spec.error().message);
  auto format = parse_row_format(o.output);
  if (!format) return fail(kExitUsageError, format.error().message);
  if (!o.endpoint.empty()) return run_endpoint_bench(o, *spec, *format);
  auto points = bench::expand(*spec);
  if (!points) return fail(kExitUsageError, points.error().message);
  for (bench::Point& p : *points) {
    if (p.scheme.empty() && p.model.rfind("preset:", 0) == 0) p.scheme = "Q4_0";  // what a preset is made at
  }
  auto out = SweepOutput::open(*format, o.save, points->size());
  if (!out) return fail(kExitRuntimeError, out.error().message);
  auto probe = hw::cached_or_quick_probe(o.refresh_probe);
  if (!probe) return fail(kExitRuntimeError, "probe: " + probe.error().message);
  // The fit model's prediction for each point: this machine, calibrated when it has been.
  const Result<fit::Hardware> local = fit::local_hardware(false);
  const std::vector<std::string> warnings = run_warnings();
  // Said once, not kept in every record: the records carry the probe's read and peak they were set
  // against. Tracked points are set against their own samples instead.
  if (!o.track_bandwidth) {
    if (const hw::BandwidthPoint* read = probe->bandwidth.find("read", probe->all_cores())) {
      if (auto unsteady = hw::unsteady_read_warning(*read)) std::cerr << "memwall: warning: " << *unsteady << '\n';
    }
    for (const hw::PeakResult* peak : {&probe->f32, &probe->int8}) {
      if (auto unsteady = hw::unsteady_peak_warning(*peak)) std::cerr << "memwall: warning: " << *unsteady << '\n';
    }
  }
  if (o.track_bandwidth && local.ok()) {
    const std::optional<fit::Calibration> calibration = fit::load_calibration(local->fingerprint);
    if (calibration && calibration->tracked_points == 0) {
      std::cerr << "memwall: warning: the stored calibration was fitted against the cached probe, and tracked points "
                   "are predicted at the read around their run: recalibrate on --track-bandwidth records\n";
    }
  }
  catch_sigint();

  std::string loaded_key;
  Loaded loaded;
  std::string load_error;
  for (const bench::Point& point : *points) {
    if (g_stop.load()) break;
    bench::PointExtras extras;
    extras.warnings = warnings;
    extras.threads = point.threads > 0 ? point.threads : probe->all_cores();
    const bench::Provenance prov{probe->cpu.model, "", probe->fingerprint, utc_now_iso8601()};
    if (const std::string key = point.model + "|" + point.scheme; key != loaded_key) {
      loaded_key = key;
      std::cerr << fmt::format("memwall: loading {}{}\n", point.model, point.scheme.empty() ? "" : " at " + point.scheme);
      auto l = load(point.model, point.scheme, static_cast<unsigned>(extras.threads));
      loaded = l ? std::move(*l) : Loaded{};
      load_error = l ? "" : l.error().message;
    }
    if (!loaded.model) {
      (*out)->emit(bench::make_failed_record(point, "failed", load_error, {}, extras, prov));
      continue;
    }
    bool interrupted = false;
    nlohmann::json record = measure_engine_point(point, loaded, *probe, local, extras, prov, o.track_bandwidth, &interrupted);
    if (interrupted) break;
    (*out)->emit(record);
  }
  return (*out)->finish(g_stop.load());
}

}  // namespace

Command setup_bench(CLI::App& parent) {
  auto options = std::make_shared<BenchCliOptions>();
  CLI::App* app = parent.add_subcommand(
      "bench", "The sweep: models x quantizations x threads x users x prompt/gen/depth on the built-in engine; "
               "tok/s, TTFT, TPOT, ITL and roofline efficiency per point. No arguments: the 'quick' profile.");
  app->add_option("--profile", options->profile, "Named sweep (quick, ci, full) or a JSON file of one");
  app->add_option("-m,--model", options->models, "GGUF files or preset:NAME, comma separated");
  app->add_option("-q,--quant", options->quants, "Schemes (Q4_0,Q8_0,...): presets synthesized, F16/BF16/F32 files requantized");
  app->add_option("-t,--threads", options->threads, "Threads (0 = one per physical core)");
  app->add_option("-c,--concurrency", options->concurrency, "Closed-loop users (serving test), e.g. 1,2,4 or 1-16*2");
  app->add_option("--rate", options->rates, "Open-loop Poisson arrivals per second (serving test), e.g. 0.5,1,2");
  app->add_option("--max-concurrency", options->max_concurrency, "Cap on requests in flight under --rate");
  app->add_option("-p,--prompt", options->prompts, "Prompt tokens, e.g. 128-512+128");
  app->add_option("-n,--gen", options->gens, "Generated tokens");
  app->add_option("-d,--depth", options->depths, "Tokens already in the KV cache");
  app->add_option("--kv-type", options->kv_types, "KV cache element type: f16, q8_0, f32");
  app->add_option("--prefill-budget", options->prefill_budgets,
                  "Prompt tokens per engine step besides one per decoding user (default 512), e.g. 128,512");
  app->add_option("-r,--repetitions", options->repetitions, "Measured repetitions per point")->check(CLI::PositiveNumber);
  app->add_option("--warmup", options->warmup, "Untimed runs (pp/tg) or requests (serving) first")->check(CLI::NonNegativeNumber);
  app->add_option("--min-time", options->min_time_s, "Repeat each point for at least this many seconds")->check(CLI::NonNegativeNumber);
  app->add_option("--requests", options->requests, "Measured requests per serving point (default 4 per user, 16 under --rate)")->check(CLI::PositiveNumber);
  app->add_option("--seed", options->seed, "Seed of prompts and arrivals");
  app->add_option("-o,--output", options->output, "table, md, csv, json or jsonl on stdout");
  app->add_option("--save", options->save, "Append one JSON record per finished point to this file");
  app->add_flag("--refresh-probe", options->refresh_probe, "Run a quick probe now instead of using the cached one");
  app->add_flag("--track-bandwidth", options->track_bandwidth,
                "Sample the memory's read bandwidth around every tg/serving repetition (0.25 s each)");
  app->add_option("--endpoint", options->endpoint, "Measure this OpenAI-compatible or Ollama server instead of the built-in engine (-m: its model name)");
  app->add_option("--api", options->api, "openai-completions (default), openai-chat or ollama");
  app->add_option("--header", options->headers, "Extra request header 'Name: value' (repeatable)");
  app->add_option("--api-key-env", options->api_key_env, "Environment variable holding the API key (never printed or saved)");
  app->add_option("--proxy", options->proxy, "Proxy URL ('' = none; default: the environment's)");
  app->add_flag("--insecure", options->insecure, "Do not verify TLS certificates");
  app->add_option("--connect-timeout", options->connect_timeout_s, "Seconds to connect")->check(CLI::PositiveNumber);
  app->add_option("--first-byte-timeout", options->first_byte_timeout_s, "Seconds to the first byte of a response")->check(CLI::PositiveNumber);
  app->add_option("--idle-timeout", options->idle_timeout_s, "Seconds allowed between two chunks")->check(CLI::PositiveNumber);
  app->add_option("--extra-body", options->extra_body, "JSON object merged into every request body");
  app->add_flag("--no-ignore-eos", options->no_ignore_eos, "Do not send ignore_eos (for servers that reject it)");
  app->add_option("--max-error-rate", options->max_error_rate, "A point with a larger share of failed requests is marked failed")->check(CLI::Range(0.0, 1.0));
  return {app, [options] { return run_bench(*options); }};
}

}  // namespace memwall::cli
