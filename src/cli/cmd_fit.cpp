// memwall fit | plan: which models and schemes fit a machine and how fast they run; and the
// reverse, what machine a target needs. Numbers only: nothing is run.
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "fit_printer.hpp"
#include "memwall/fit/advisor.hpp"
#include "memwall/fit/calibrate.hpp"
#include "memwall/fit/compare.hpp"
#include "memwall/model/presets.hpp"

namespace memwall::cli {
namespace {

constexpr const char* kDefaultSchemes[] = {"F16", "Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K"};

struct TargetOptions {
  std::vector<std::string> models;
  std::vector<std::string> schemes;
  std::int64_t context = 4096;
  std::int64_t users = 1;
  std::int64_t prompt = 512;
  std::int64_t gen = 128;
  std::string kv_type = "f16";
  double min_tok_s = 0;
  double max_ttft_ms = 0;
  bool json = false;
};

struct FitCliOptions : TargetOptions {
  std::string hardware = "local";
  std::string calibrate;
  std::string compare;
};

// A failure and the exit code it deserves: a bad name or value is a usage error, a file that
// cannot be read a runtime one.
struct Failure {
  int code;
  std::string message;
};
template <typename T>
using Outcome = std::variant<T, Failure>;

fit::Targets targets_from(const TargetOptions& o) {
  fit::Targets t;
  t.context = o.context;
  t.users = o.users;
  t.prompt = o.prompt;
  t.gen = o.gen;
  t.kv_type = *quant::type_from_name(o.kv_type);
  if (o.min_tok_s > 0) t.min_tok_s = o.min_tok_s;
  if (o.max_ttft_ms > 0) t.max_ttft_ms = o.max_ttft_ms;
  return t;
}

Outcome<std::vector<model::Scheme>> parse_schemes(const std::vector<std::string>& names) {
  std::vector<model::Scheme> schemes;
  for (const std::string& name : names) {
    const std::optional<model::Scheme> s = model::scheme_from_name(name);
    if (!s) {
      std::string known;
      for (const model::SchemeInfo& i : model::all_schemes()) known += (known.empty() ? "" : ", ") + std::string(i.name);
      return Failure{kExitUsageError, fmt::format("--quant: unknown scheme '{}' (schemes: {})", name, known)};
    }
    schemes.push_back(*s);
  }
  // Highest quality first, whatever order they were given in.
  std::vector<model::Scheme> ordered;
  for (const model::SchemeInfo& i : model::all_schemes()) {
    if (std::find(schemes.begin(), schemes.end(), i.scheme) != schemes.end()) ordered.push_back(i.scheme);
  }
  return ordered;
}

bool is_file(const std::string& name) {
  return name.ends_with(".gguf") || name.find('/') != std::string::npos || std::filesystem::exists(name);
}

// A file as it is; with --quant, a float file requantized to each scheme (as the engine does at
// load), and a quantized one only at its own scheme: requantizing it again is a usage error.
Outcome<fit::ModelCandidates> resolve_file(const std::string& name, const std::vector<model::Scheme>& schemes,
                                           bool quant_given) {
  Result<fit::ModelShape> shape = fit::shape_from_gguf(name);
  if (!shape.ok()) return Failure{kExitRuntimeError, shape.error().message};
  if (!quant_given) return fit::ModelCandidates{name, {std::move(shape).value()}};
  if (shape->quantized) {
    const bool own = schemes.size() == 1 && shape->scheme == schemes.front();
    if (own) return fit::ModelCandidates{name, {std::move(shape).value()}};
    const std::string type = shape->scheme ? std::string(model::scheme_info(*shape->scheme).name) : "a mix of types";
    return Failure{kExitUsageError,
                   fmt::format("--quant: {} is already quantized ({}); only F32, F16 and BF16 files can be "
                               "requantized: give the float file, or drop --quant to size this one as it is",
                               name, type)};
  }
  fit::ModelCandidates c{name, {}};
  for (model::Scheme s : schemes) {
    Result<fit::ModelShape> requantized = fit::shape_from_gguf(name, s);
    if (!requantized.ok()) return Failure{kExitRuntimeError, requantized.error().message};
    c.schemes.push_back(std::move(requantized).value());
  }
  return c;
}

Outcome<fit::ModelCandidates> resolve_model(const std::string& name, const std::vector<model::Scheme>& schemes,
                                            bool quant_given) {
  if (is_file(name)) return resolve_file(name, schemes, quant_given);
  Result<model::Preset> preset = model::find_preset(name);
  if (!preset.ok()) return Failure{kExitUsageError, "--model: " + preset.error().message};
  fit::ModelCandidates c{preset->spec.name, {}};
  for (model::Scheme s : schemes) c.schemes.push_back(fit::shape_from_preset(preset->spec, s));
  return c;
}

// --model values (every preset but the test ones when none), each at every scheme asked.
Outcome<std::vector<fit::ModelCandidates>> resolve_models(const TargetOptions& o) {
  std::vector<std::string> names = o.models;
  if (names.empty()) {
    Result<std::vector<model::Preset>> presets = model::load_presets();
    if (!presets.ok()) return Failure{kExitRuntimeError, presets.error().message};
    for (const model::Preset& p : *presets) {
      if (!p.spec.name.starts_with("tiny-")) names.push_back(p.spec.name);
    }
  }
  std::vector<std::string> scheme_names = o.schemes;
  if (scheme_names.empty()) scheme_names.assign(std::begin(kDefaultSchemes), std::end(kDefaultSchemes));
  auto schemes = parse_schemes(scheme_names);
  if (auto* f = std::get_if<Failure>(&schemes)) return *f;
  std::vector<fit::ModelCandidates> models;
  for (const std::string& name : names) {
    auto m = resolve_model(name, std::get<0>(schemes), !o.schemes.empty());
    if (auto* f = std::get_if<Failure>(&m)) return *f;
    models.push_back(std::move(std::get<0>(m)));
  }
  return models;
}

Outcome<fit::Hardware> resolve_hardware(const std::string& spec) {
  if (spec == "local") {
    Result<fit::Hardware> local = fit::local_hardware(/*probe_if_missing=*/false);
    if (local.ok()) return std::move(local).value();
    std::cerr << "memwall: no cached probe of this machine: running a quick one (about 2 s); "
                 "'memwall probe' measures it fully\n";
    local = fit::local_hardware(/*probe_if_missing=*/true);
    if (!local.ok()) return Failure{kExitRuntimeError, local.error().message};
    return std::move(local).value();
  }
  Result<fit::Hardware> hw = fit::looks_inline(spec) ? fit::parse_inline_hardware(spec) : fit::find_hardware(spec);
  if (!hw.ok()) return Failure{kExitUsageError, "--hardware: " + hw.error().message};
  return std::move(hw).value();
}

int run_calibrate(const FitCliOptions& o) {
  if (o.hardware != "local") return fail(kExitUsageError, "--calibrate measures this machine: it takes no --hardware");
  auto local = resolve_hardware("local");
  if (auto* f = std::get_if<Failure>(&local)) return fail(f->code, f->message);
  const fit::Hardware& hw = std::get<0>(local);
  Result<fit::CalibrationReport> report = fit::calibrate_file(hw, o.calibrate);
  if (!report.ok()) return fail(kExitRuntimeError, report.error().message);
  if (Status s = fit::store_calibration(report->calibration); !s.ok()) return fail(kExitRuntimeError, s.error().message);
  for (const std::string& w : report->warnings) std::cerr << "memwall: warning: " << w << '\n';
  if (o.json) {
    std::cout << fit::calibration_to_json(report->calibration).dump(2) << '\n';
  } else {
    std::cout << format_calibration(hw, *report, fit::calibration_path(hw.fingerprint));
  }
  return kExitOk;
}

int run_compare(const FitCliOptions& o) {
  if (o.hardware != "local") return fail(kExitUsageError, "--compare checks this machine's runs: it takes no --hardware");
  auto local = resolve_hardware("local");
  if (auto* f = std::get_if<Failure>(&local)) return fail(f->code, f->message);
  Result<std::vector<nlohmann::json>> records = fit::read_bench_records(o.compare);
  if (!records.ok()) return fail(kExitRuntimeError, records.error().message);
  const fit::Comparison c = fit::compare_records(std::get<0>(local), *records);
  if (c.rows.empty()) return fail(kExitRuntimeError, o.compare + ": no usable record of this machine's built-in engine");
  if (const std::optional<fit::Calibration> calibration = fit::load_calibration(std::get<0>(local).fingerprint)) {
    if (const std::optional<std::string> w = fit::basis_mismatch(*calibration, c)) std::cerr << "memwall: warning: " << *w << '\n';
  }
  std::cout << (o.json ? fit::comparison_to_json(c).dump(2) + "\n" : format_comparison(c));
  return kExitOk;
}

int run_fit_command(const FitCliOptions& o) {
  if (!o.calibrate.empty() && !o.compare.empty()) return fail(kExitUsageError, "--calibrate and --compare: one at a time");
  if (!o.calibrate.empty()) return run_calibrate(o);
  if (!o.compare.empty()) return run_compare(o);
  auto models = resolve_models(o);
  if (auto* f = std::get_if<Failure>(&models)) return fail(f->code, f->message);
  auto hw = resolve_hardware(o.hardware);
  if (auto* f = std::get_if<Failure>(&hw)) return fail(f->code, f->message);
  const fit::FitReport report = fit::run_fit(std::get<0>(hw), std::get<0>(models), targets_from(o));
  if (o.json) {
    std::cout << fit::fit_report_to_json(report).dump(2) << '\n';
  } else {
    std::cout << format_fit(report, /*every_scheme=*/!o.models.empty());
  }
  return kExitOk;
}

int run_plan_command(const TargetOptions& o) {
  if (o.models.size() != 1) return fail(kExitUsageError, "--model: plan takes one model");
  auto models = resolve_models(o);
  if (auto* f = std::get_if<Failure>(&models)) return fail(f->code, f->message);
  Result<std::vector<fit::Hardware>> machines = fit::load_hardware_profiles();
  if (!machines.ok()) return fail(kExitRuntimeError, machines.error().message);
  const fit::PlanReport report = fit::run_plan(*machines, std::get<0>(models).front(), targets_from(o));
  if (o.json) {
    std::cout << fit::plan_report_to_json(report).dump(2) << '\n';
  } else {
    std::cout << format_plan(report);
  }
  return kExitOk;
}

void add_target_options(CLI::App& app, TargetOptions& o) {
  app.add_option("--quant", o.schemes, "Schemes (default: F16, Q8_0, Q6_K, Q5_K_M, Q4_K_M, Q3_K_M, Q2_K); a F32/F16/BF16 file is requantized to each, a quantized file only takes its own")
      ->delimiter(',');
  app.add_option("--context", o.context, "Tokens per sequence the memory must hold; speeds are at this context")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10'000'000}));
  app.add_option("--users", o.users, "Sequences served at once (continuous batching)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000}));
  app.add_option("--prompt", o.prompt, "Prompt tokens of a request (prefill, TTFT)")->check(CLI::NonNegativeNumber);
  app.add_option("--gen", o.gen, "Generated tokens of a request")->check(CLI::NonNegativeNumber);
  app.add_option("--kv-type", o.kv_type, "KV cache type: f16, q8_0 or f32")->check(CLI::IsMember({"f16", "q8_0", "f32"}));
  app.add_option("--max-ttft-ms", o.max_ttft_ms, "Target: longest time to first token, ms")->check(CLI::PositiveNumber);
  app.add_flag("--json", o.json, "Print the JSON record instead of tables");
}

}  // namespace

Command setup_fit(CLI::App& parent) {
  auto o = std::make_shared<FitCliOptions>();
  CLI::App* app = parent.add_subcommand(
      "fit", "Which models and schemes fit this (or a named) machine, with predicted tok/s and TTFT");
  app->add_option("--hardware", o->hardware,
                  "local (this machine's cached probe), a profile name, or 'bw=GB/s,mem=GiB,tflops=T,class=...'");
  app->add_option("--model", o->models, "Presets or GGUF files (default: every preset)")->delimiter(',');
  add_target_options(*app, *o);
  app->add_option("--min-tok-s", o->min_tok_s, "Target: slowest acceptable tok/s per user")->check(CLI::PositiveNumber);
  app->add_option("--calibrate", o->calibrate,
                  "Fit this machine's efficiencies to memwall bench records (JSON Lines) and keep them")
      ->type_name("RESULTS.jsonl");
  app->add_option("--compare", o->compare,
                  "Predicted beside measured for every point of memwall bench records (JSON Lines) of this machine")
      ->type_name("RESULTS.jsonl");
  return {app, [o] { return run_fit_command(*o); }};
}

Command setup_plan(CLI::App& parent) {
  auto o = std::make_shared<TargetOptions>();
  CLI::App* app = parent.add_subcommand(
      "plan", "What a machine needs to run a model at a context, users and speed; which profiles do");
  app->add_option("--model", o->models, "Preset or GGUF file")->required();
  add_target_options(*app, *o);
  app->add_option("--min-tok-s", o->min_tok_s, "Target: slowest acceptable tok/s per user")
      ->check(CLI::PositiveNumber)->required();
  return {app, [o] { return run_plan_command(*o); }};
}

}  // namespace memwall::cli
