// The Markdown report: what a pull-request comment shows.
#include <fmt/format.h>

#include <algorithm>

#include "memwall/check/render.hpp"
#include "wording.hpp"

namespace memwall::check {
namespace {

// Text from the input (paths, model names, failure reasons) as Markdown: angle brackets would be
// taken for HTML and vanish, pipes would end a table cell, newlines would end the table.
std::string escape(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    switch (ch) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '|': out += "\\|"; break;
      case '\n':
      case '\r': out += ' '; break;
      default: out += ch;
    }
  }
  return out;
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string headline(const CheckReport& r) {
  std::vector<std::string> parts;
  const std::size_t regressions = r.count(Verdict::Regression);
  const std::size_t failed = r.count(NoteKind::FailedInCurrent);
  if (regressions > 0) parts.push_back(plural(regressions, "regression", "regressions"));
  if (failed > 0) parts.push_back(plural(failed, "failed point", "failed points"));
  if (regressions + failed == 0) parts.emplace_back("no regression");
  const std::size_t improvements = r.count(Verdict::Improvement);
  if (improvements > 0) parts.push_back(plural(improvements, "improvement", "improvements"));
  parts.push_back(fmt::format("{} unchanged", r.count(Verdict::NoChange)));
  return fmt::format("### memwall check: {}\n\n", fmt::join(parts, ", "));
}

std::string run_text(const std::string& path, const Provenance& p) {
  return fmt::format("`{}` (memwall {} {}, {})", path, p.memwall_version, p.git_commit,
                     p.cpu_model);
}

std::string runs(const CheckReport& r) {
  std::string text =
      fmt::format("Baseline {}; current {}.", run_text(r.baseline_path, r.baseline_provenance),
                  run_text(r.current_path, r.current_provenance));
  for (const HardwareMismatch& m : r.hardware_mismatches) {
    text += fmt::format(
        " **Hardware differs** (compared as allowed): {} (fingerprint {}) against {} "
        "(fingerprint {}).",
        m.baseline_cpu, m.baseline_fingerprint, m.current_cpu, m.current_fingerprint);
  }
  if (r.options.normalize_roofline) {
    text +=
        " Normalized by each run's measured read bandwidth: throughputs in tok/s per GB/s, "
        "latencies in ms x GB/s.";
  }
  return text + "\n\n";
}

std::string side_text(const Side& s) {
  std::string text = format_value(s.value);
  if (s.samples == 0) return text;
  text += fmt::format(" (n={}", s.samples);
  if (s.cv && s.samples > 1) text += fmt::format(", cv {:.1f}%", *s.cv * 100);
  return text + ")";
}

std::string table(const CheckReport& r) {
  std::string text =
      "| point | metric | baseline | current | change | noise test | verdict |\n"
      "|:--|:--|--:|--:|--:|:--|:--|\n";
  for (const Comparison& c : r.comparisons) {
    std::string verdict = verdict_text(c);
    if (c.verdict == Verdict::Regression) verdict = "**" + verdict + "**";
    text += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", escape(point_label(c.point)),
                        c.metric->display, side_text(c.baseline), side_text(c.current),
                        format_change(c.change), noise_text(c), verdict);
  }
  return text + "\n";
}

// Failed points first: they fail the check.
std::string notes(const CheckReport& r) {
  if (r.notes.empty()) return "";
  std::vector<const Note*> sorted;
  for (const Note& n : r.notes) sorted.push_back(&n);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Note* a, const Note* b) {
    return (a->kind == NoteKind::FailedInCurrent) > (b->kind == NoteKind::FailedInCurrent);
  });
  std::string text = "**Not compared**\n\n";
  for (const Note* n : sorted) {
    std::string kind = note_kind_text(n->kind);
    if (n->kind == NoteKind::FailedInCurrent) kind = "**" + kind + "**";
    const std::string metric = n->metric.empty() ? "" : " " + n->metric;
    const std::string detail = n->detail.empty() ? "" : ": " + escape(n->detail);
    text += fmt::format("- `{}`{}: {}{}\n", point_label(n->point), metric, kind, detail);
  }
  return text + "\n";
}

}  // namespace

std::string render_markdown(const CheckReport& report) {
  return headline(report) + runs(report) + table(report) + notes(report) +
         fmt::format("{} {}\n", tolerance_text(report.options.tolerances),
                     method_text(report.options));
}

}  // namespace memwall::check
