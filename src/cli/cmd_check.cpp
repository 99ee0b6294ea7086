// memwall check: compare a run with a baseline and fail on a regression (for CI).
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "memwall/check/compare.hpp"
#include "memwall/check/render.hpp"
#include "memwall/util/files.hpp"

namespace memwall::cli {
namespace {

// check's own exit codes: CI reads 1 as "regression", so every error is 2.
enum CheckExit : int { kCheckPass = 0, kCheckRegression = 1, kCheckError = 2 };

struct CheckCliOptions {
  std::string baseline_path;
  std::string current_path;
  std::vector<std::string> metrics;  // empty = the defaults
  std::string tolerance = "5%";
  std::string normalize;  // "" or "roofline"
  bool allow_hardware_mismatch = false;
  std::string junit_path;
  bool json = false;
};

Result<check::CheckOptions> check_options(const CheckCliOptions& o) {
  check::CheckOptions options;
  if (!o.metrics.empty()) {
    auto metrics = check::parse_metric_names(o.metrics);
    if (!metrics.ok()) return metrics.error();
    options.metrics = std::move(*metrics);
  }
  auto tolerances = check::parse_tolerances(o.tolerance);
  if (!tolerances.ok()) return tolerances.error();
  options.tolerances = std::move(*tolerances);
  options.normalize_roofline = o.normalize == "roofline";
  options.allow_hardware_mismatch = o.allow_hardware_mismatch;
  return options;
}

// Input warnings go to stderr whatever the output format, so a --json consumer still sees them.
void warn(const check::CheckReport& report) {
  for (const check::Note& n : report.notes) {
    if (n.kind == check::NoteKind::Duplicate) std::cerr << "memwall: warning: " << n.detail << '\n';
  }
  for (const check::HardwareMismatch& m : report.hardware_mismatches) {
    std::cerr << "memwall: warning: comparing different hardware: " << m.baseline_cpu << " ("
              << m.baseline_fingerprint << ") against " << m.current_cpu << " ("
              << m.current_fingerprint << ")\n";
  }
}

int run_check_command(const CheckCliOptions& o) {
  Result<check::CheckOptions> options = check_options(o);
  if (!options.ok()) return fail(kCheckError, options.error().message);
  Result<check::RecordFile> baseline = check::load_records(o.baseline_path);
  if (!baseline.ok()) return fail(kCheckError, baseline.error().message);
  Result<check::RecordFile> current = check::load_records(o.current_path);
  if (!current.ok()) return fail(kCheckError, current.error().message);
  Result<check::CheckReport> report = check::run_check(*baseline, *current, *options);
  if (!report.ok()) return fail(kCheckError, report.error().message);
  warn(*report);
  if (!o.junit_path.empty()) {
    if (Status written = write_file_atomic(o.junit_path, check::render_junit(*report));
        !written.ok()) {
      return fail(kCheckError, written.error().message);
    }
  }
  std::cout << (o.json ? check::render_json(*report) : check::render_markdown(*report));
  return report->failed() ? kCheckRegression : kCheckPass;
}

}  // namespace

Command setup_check(CLI::App& parent) {
  auto options = std::make_shared<CheckCliOptions>();
  CLI::App* app = parent.add_subcommand(
      "check",
      "Compare a run with a baseline (bench --save files), noise-aware; print a Markdown "
      "table. Exit 0: no regression, 1: regression, 2: usage or input error.");
  app->add_option("--baseline", options->baseline_path, "Baseline results (JSON Lines)")
      ->type_name("FILE")
      ->required();
  app->add_option("--current", options->current_path, "Current results (JSON Lines)")
      ->type_name("FILE")
      ->required();
  app->add_option("--metric", options->metrics,
                  "Metrics to compare, repeatable or comma-separated (default: pp_tok_s, tg_tok_s, "
                  "agg_tok_s, ttft_p50, ttft_p99)")
      ->type_name("NAME");
  app->add_option("--tolerance", options->tolerance,
                  "Allowed change before a verdict: 5% (default), or per metric: 5%,ttft_p99=10%")
      ->type_name("SPEC");
  app->add_option("--normalize", options->normalize,
                  "roofline: compare throughput per GB/s of each run's measured read bandwidth")
      ->check(CLI::IsMember({"roofline"}))
      ->type_name("roofline");
  app->add_flag("--allow-hardware-mismatch", options->allow_hardware_mismatch,
                "Compare points whose hardware fingerprints differ (else an input error)");
  app->add_option("--junit", options->junit_path, "Also write JUnit XML to FILE")
      ->type_name("FILE");
  app->add_flag("--json", options->json, "Print the report as JSON instead of Markdown");
  return {app, [options] { return run_check_command(*options); }};
}

}  // namespace memwall::cli
