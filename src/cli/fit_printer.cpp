#include "fit_printer.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "memwall/util/text_table.hpp"
#include "memwall/util/units.hpp"

namespace memwall::cli {
namespace {

std::string gib(std::uint64_t bytes) { return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / static_cast<double>(kGiB)); }

// Three significant digits: 0.163, 48.2, 1234.
std::string num(double x) {
  if (x >= 100) return fmt::format("{:.0f}", x);
  return fmt::format("{:.3g}", x);
}

std::string scheme_label(const fit::ModelShape& s) {
  return s.scheme ? std::string(model::scheme_info(*s.scheme).name) : "file";
}

// How the overhead follows the cores' round trip, where a calibration found that it does.
std::string round_trip_text(const fit::Efficiency& e, double round_trip_ns) {
  if (e.overhead_round_trips_per_layer <= 0) return "";
  const std::string at = round_trip_ns > 0 ? fmt::format("their {:.0f} ns", round_trip_ns)
                                           : fmt::format("the calibration's {:.0f} ns", e.overhead_round_trip_ns);
  return fmt::format(" ({:.0f} round trips between the cores per layer, at {} round trip)", e.overhead_round_trips_per_layer, at);
}

std::string hardware_lines(const fit::Hardware& hw) {
  std::string out = fmt::format(
      "hardware   {} [{}]: {} ({} kept by the OS), {} GB/s ({}), {} TFLOPS ({}){}\n", hw.display_name,
      fit::device_class_name(hw.device_class), gib(hw.memory_bytes), gib(hw.os_reserve_bytes), num(hw.bandwidth_gbps),
      hw.bandwidth_basis, num(hw.compute_tflops), hw.compute_basis,
      hw.int8_tops ? fmt::format(", {} int8 TOPS", num(*hw.int8_tops)) : "");
  const fit::Efficiency& e = hw.efficiency;
  const std::string superblocks = e.superblock_bandwidth > 0 ? fmt::format(" ({:.2f} K-quant weights)", e.superblock_bandwidth) : "";
  out += fmt::format("efficiency {:.2f} of bandwidth{} + {:.0f} us per layer and step{}, {:.2f} of compute peak ({:.2f} for "
                     "decode tokens), overlap {:.2f}: {}\n",
                     e.decode_bandwidth, superblocks, e.overhead_us_per_layer(hw.core_round_trip_ns),
                     round_trip_text(e, hw.core_round_trip_ns), e.compute, e.compute_for(true, true), e.compute_overlap,
                     e.source);
  if (!e.calibrated && hw.name == "local") out += "           (not calibrated: 'memwall fit --calibrate RESULTS.jsonl')\n";
  return out;
}

std::string targets_line(const fit::Targets& t) {
  std::string line = fmt::format("targets    context {}, {} user{}, prompt {}, gen {}, KV {}", t.context, t.users,
                                 t.users == 1 ? "" : "s", t.prompt, t.gen, quant::type_info(t.kv_type).name);
  if (t.min_tok_s) line += fmt::format(", >= {:g} tok/s per user", *t.min_tok_s);
  if (t.max_ttft_ms) line += fmt::format(", TTFT <= {:g} ms", *t.max_ttft_ms);
  return line + "\n";
}

void add_fit_row(TextTable& table, const fit::Evaluation& e) {
  const fit::Prediction& p = e.prediction;
  table.add_row({e.shape.spec.name, scheme_label(e.shape), gib(e.memory.weights), gib(e.memory.needed),
                 std::string(fit::verdict_name(e.memory.verdict)), std::to_string(e.max_context),
                 std::to_string(e.max_users), num(p.pp_tok_s), num(p.tg_tok_s), num(p.agg_tok_s), num(p.ttft_ms),
                 p.compute_bound ? "compute" : "bandwidth", e.meets ? "yes" : e.shortfall});
}

}  // namespace

std::string format_fit(const fit::FitReport& r, bool every_scheme) {
  std::string out = hardware_lines(r.hardware) + targets_line(r.targets);
  TextTable table({"model", "scheme", "weights", "needs", "verdict", "max ctx", "max users", "pp tok/s", "tg tok/s",
                   "agg tok/s", "TTFT ms", "bound", "meets targets"});
  for (const fit::ModelResult& m : r.models) {
    if (every_scheme) {
      for (std::size_t i = m.begin; i < m.end; ++i) add_fit_row(table, r.rows[i]);
    } else if (m.end > m.begin) {
      add_fit_row(table, r.rows[m.recommended.value_or(m.end - 1)]);
    }
  }
  out += '\n';
  out += table.render();
  if (!every_scheme) out += "(one row per model: its recommended scheme, else its smallest; --model shows every scheme)\n";
  out += "\nRecommended (highest-quality scheme that fits and meets the targets)\n";
  for (const fit::ModelResult& m : r.models) {
    if (m.recommended) {
      const fit::Evaluation& e = r.rows[*m.recommended];
      out += fmt::format("  {:<30} {} ({} needed, {} tok/s per user)\n", m.model, scheme_label(e.shape),
                         gib(e.memory.needed), num(e.prediction.tg_tok_s));
    } else {
      out += fmt::format("  {:<30} none\n", m.model);
    }
  }
  if (!r.ranking.empty()) {
    out += "\nRanking (largest model first)\n";
    for (std::size_t i = 0; i < r.ranking.size(); ++i) {
      const fit::Evaluation& e = r.rows[r.ranking[i]];
      out += fmt::format("  {:>2}. {} {}: {} tok/s per user, {} aggregate, TTFT {} ms\n", i + 1, e.shape.spec.name,
                         scheme_label(e.shape), num(e.prediction.tg_tok_s), num(e.prediction.agg_tok_s),
                         num(e.prediction.ttft_ms));
    }
  }
  if (!r.rows.empty()) out += fmt::format("\nbasis      {}\n", r.rows.front().prediction.basis);
  return out;
}

std::string format_plan(const fit::PlanReport& r) {
  std::string out = targets_line(r.targets);
  out += "\nWhat the target needs (before the runtime's own memory and the OS reserve)\n";
  TextTable needs({"model", "scheme", "weights", "memory", "bandwidth GB/s (effective)", "decode TFLOPS",
                   "prefill TFLOPS"});
  for (const fit::Requirement& q : r.requirements) {
    needs.add_row({q.shape.spec.name, scheme_label(q.shape), gib(q.shape.weight_bytes), gib(q.memory_bytes),
                   num(q.effective_bandwidth_gbps), num(q.decode_tflops),
                   q.prefill_tflops ? num(*q.prefill_tflops) : "-"});
  }
  out += needs.render(2);
  out += "  effective bandwidth = bytes a decode step streams x steps per second; a machine needs it divided by\n"
         "  its class's decode efficiency, plus time for the per-step overhead.\n";
  out += "\nMachines that meet it, cheapest first (price where known)\n";
  TextTable meet({"machine", "class", "memory", "GB/s", "scheme", "verdict", "tg tok/s", "agg tok/s", "TTFT ms", "price",
                  "agg tok/s per $1000", "agg tok/s per W"});
  TextTable miss({"machine", "class", "memory", "GB/s", "best scheme tried", "why not"});
  for (const fit::PlanRow& row : r.rows) {
    const fit::Hardware& hw = row.hardware;
    if (row.chosen) {
      const fit::Evaluation& e = *row.chosen;
      meet.add_row({hw.name, std::string(fit::device_class_name(hw.device_class)), gib(hw.memory_bytes),
                    num(hw.bandwidth_gbps), scheme_label(e.shape), std::string(fit::verdict_name(e.memory.verdict)),
                    num(e.prediction.tg_tok_s), num(e.prediction.agg_tok_s), num(e.prediction.ttft_ms),
                    hw.price_usd ? fmt::format("${:.0f}", *hw.price_usd) : "-",
                    row.tok_s_per_kusd ? num(*row.tok_s_per_kusd) : "-", row.tok_s_per_watt ? num(*row.tok_s_per_watt) : "-"});
    } else {
      miss.add_row({hw.name, std::string(fit::device_class_name(hw.device_class)), gib(hw.memory_bytes),
                    num(hw.bandwidth_gbps), scheme_label(row.best_effort.shape), row.best_effort.shortfall});
    }
  }
  out += meet.empty() ? "  none\n" : meet.render(2);
  if (!miss.empty()) {
    out += "\nMachines that fall short\n";
    out += miss.render(2);
  }
  out += "\nPredictions use each profile's class efficiencies (README: fit and plan); the lowest-quality scheme is "
         "the one a machine that falls short was last tried at.\n";
  return out;
}

std::string format_comparison(const fit::Comparison& c) {
  // The cores' round trip each prediction took, where the records sampled one.
  const bool round_trips = std::any_of(c.rows.begin(), c.rows.end(), [](const fit::ComparisonRow& r) { return r.round_trip_ns > 0; });
  std::vector<std::string> header{"model", "point", "metric", "read GB/s"};
  if (round_trips) header.emplace_back("cores ns");
  header.insert(header.end(), {"measured", "predicted", "error"});
  TextTable table(header);
  for (const fit::ComparisonRow& row : c.rows) {
    std::vector<std::string> cells{
        row.model, row.point, row.metric,
        fmt::format("{:.1f} {}", row.read_gbps, row.read_moved ? "moved" : row.read_around ? "around" : "probe")};
    if (round_trips) cells.push_back(row.round_trip_ns > 0 ? fmt::format("{:.0f}", row.round_trip_ns) : "-");
    cells.insert(cells.end(), {num(row.measured), num(row.predicted), fmt::format("{:+.1f}%", 100 * row.error())});
    table.add_row(cells);
  }
  std::string out = table.render(0) + '\n';
  for (const fit::ComparisonSummary& s : c.summary) {
    out += fmt::format("{}: {} points, median |error| {:.1f}%, max {:.1f}%, within 10%: {}, within 20%: {}", s.metric,
                       s.points, 100 * s.median_abs_error, 100 * s.max_abs_error, s.within_10, s.within_20);
    if (s.steady_points < s.points) {
      out += fmt::format("; the {} whose bandwidth held still through the run: within 10%: {}, within 20%: {}", s.steady_points,
                         s.steady_within_10, s.steady_within_20);
    }
    out += '\n';
  }
  if (std::any_of(c.rows.begin(), c.rows.end(), [](const fit::ComparisonRow& r) { return r.read_moved; })) {
    out += fmt::format("moved: the reads around the run differ by more than {0:.0f}%, its decode steps of one batch size "
                       "ran at rates more than {0:.0f}% apart, the cores' round trip around it changed more than {1:.0f}x, "
                       "or the compute peak around a prompt run more than {0:.0f}%; the machine changed while it ran\n",
                       100 * (fit::RecordBandwidth::kMovedSpread - 1), fit::RecordBandwidth::kMovedRoundTrip);
  }
  if (c.skipped > 0) out += fmt::format("{} records skipped (other machines, failed, servers, open loop, unknown models)\n", c.skipped);
  return out;
}

std::string format_calibration(const fit::Hardware& hw, const fit::CalibrationReport& r, const std::string& stored_at) {
  const fit::Calibration& c = r.calibration;
  const fit::Efficiency d = fit::default_efficiency(hw.device_class);
  std::string out = fmt::format("calibrated {} from {}\n", hw.display_name, c.results_file);
  TextTable eff({"efficiency", "default", "this machine"});
  eff.add_row({"decode, of read bandwidth", fmt::format("{:.3f}", d.decode_bandwidth), fmt::format("{:.3f}", c.efficiency.decode_bandwidth)});
  eff.add_row({"decode, K-quant weights, of read bandwidth", fmt::format("{:.3f}", d.bandwidth_for_superblocks()),
               fmt::format("{:.3f}", c.efficiency.bandwidth_for_superblocks())});
  const bool per_round_trip = c.efficiency.overhead_round_trips_per_layer > 0;
  eff.add_row({per_round_trip ? fmt::format("step overhead, us per layer, at a {:.0f} ns round trip between the cores",
                                            c.efficiency.overhead_round_trip_ns)
                              : std::string("step overhead, us per layer"),
               fmt::format("{:.1f}", d.step_overhead_us_per_layer), fmt::format("{:.1f}", c.efficiency.step_overhead_us_per_layer)});
  if (per_round_trip) {
    eff.add_row({"  and per layer, round trips between the cores", "none",
                 fmt::format("{:.1f}", c.efficiency.overhead_round_trips_per_layer)});
  }
  eff.add_row({"compute, of compute peak", fmt::format("{:.3f}", d.compute), fmt::format("{:.3f}", c.efficiency.compute)});
  eff.add_row({"compute, quantized but Q8_0/Q4_0, of compute peak", fmt::format("{:.3f}", d.compute_for_other_quant()),
               fmt::format("{:.3f}", c.efficiency.compute_for_other_quant())});
  eff.add_row({"compute, float weights, of their peak", fmt::format("{:.3f}", d.compute_for(false)),
               fmt::format("{:.3f}", c.efficiency.compute_for(false))});
  eff.add_row({"compute, decode tokens, of compute peak", fmt::format("{:.3f}", d.compute_for(true, true)),
               fmt::format("{:.3f}", c.efficiency.compute_for(true, true))});
  eff.add_row({"compute, decode tokens, float weights", fmt::format("{:.3f}", d.compute_for(false, true)),
               fmt::format("{:.3f}", c.efficiency.compute_for(false, true))});
  // 0: attention's FLOPs stay with its tokens' arithmetic (no points at a depth).
  const auto attention = [](const fit::Efficiency& e) {
    return e.attention > 0 ? fmt::format("{:.3f}", e.attention) : std::string("as its tokens");
  };
  eff.add_row({"attention, of float peak", attention(d), attention(c.efficiency)});
  eff.add_row({"overlap of memory and compute", fmt::format("{:.2f}", d.compute_overlap),
               fmt::format("{:.2f}", c.efficiency.compute_overlap)});
  // 0: the steps stream at a share of any read.
  const auto ceiling = [](const fit::Efficiency& e) {
    return e.read_ceiling_gbps > 0 ? fmt::format("{:.1f}", e.read_ceiling_gbps) : std::string("none");
  };
  eff.add_row({"read ceiling, GB/s (a faster read streams no faster)", ceiling(d), ceiling(c.efficiency)});
  out += eff.render(2);
  out += fmt::format("  fitted on {} tg points (rms error {:.1f}%), {} pp points (rms error {:.1f}%) and {} serving points "
                     "(rms error {:.1f}%), {} of them at a depth; skipped: {} of other machines, {} not ok, {} unusable, "
                     "{} whose bandwidth moved around or during the run (reads or step rates more than {:.0f}% apart, or the cores' "
                     "round trip more than {:.0f}x)\n",
                     c.decode_points, 100 * c.decode_rms_rel_error, c.prefill_points, 100 * c.prefill_rms_rel_error,
                     c.serving_points, 100 * c.serving_rms_rel_error, c.depth_points, r.skipped_other_machine,
                     r.skipped_not_ok, r.skipped_unusable, r.skipped_read_moved, 100 * (fit::RecordBandwidth::kMovedSpread - 1),
                     fit::RecordBandwidth::kMovedRoundTrip);
  TextTable points({"test", "model", "users", "prompt", "gen", "depth", "metric", "measured", "fitted", "error"});
  for (const fit::CalibrationRow& row : r.rows) {
    points.add_row({row.test, row.model, std::to_string(row.users), std::to_string(row.prompt), std::to_string(row.gen),
                    std::to_string(row.depth), row.metric, num(row.measured), num(row.fitted),
                    fmt::format("{:+.1f}%", 100 * (row.fitted / row.measured - 1))});
  }
  out += '\n';
  out += points.render(2);
  out += fmt::format("\nstored in {}; fit and bench use it from now on\n", stored_at);
  return out;
}

}  // namespace memwall::cli
