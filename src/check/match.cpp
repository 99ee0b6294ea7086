// Pairing the points of two result files, and the report's bookkeeping.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "memwall/check/compare.hpp"

namespace memwall::check {
namespace {

void add_note(std::vector<Note>& notes, NoteKind kind, const PointKey& point,
              std::string detail = {}, std::string metric = {}) {
  notes.push_back(Note{kind, point, std::move(detail), std::move(metric)});
}

// The records of one file by point, then by hardware fingerprint; a repeated point keeps its later
// line (a sweep re-run appended to the same file) and leaves a note.
class PointIndex {
 public:
  PointIndex(const RecordFile& file, std::vector<Note>& notes) {
    for (const Record& r : file.records) {
      const Record*& slot = by_point_[r.point][r.provenance.hardware_fingerprint];
      if (slot) {
        add_note(notes, NoteKind::Duplicate, r.point,
                 fmt::format("{}: line {} repeats line {}; line {} is used", file.path, r.line,
                             slot->line, r.line));
      }
      slot = &r;
    }
  }

  // Whether `r` is the record used for its point (not superseded by a later duplicate).
  bool in_use(const Record& r) const {
    return by_point_.at(r.point).at(r.provenance.hardware_fingerprint) == &r;
  }

  const std::map<std::string, const Record*>* find(const PointKey& point) const {
    const auto it = by_point_.find(point);
    return it == by_point_.end() ? nullptr : &it->second;
  }

 private:
  std::map<PointKey, std::map<std::string, const Record*>> by_point_;
};

struct Pair {
  const Record* baseline;
  const Record* current;
};

std::string status_text(const Record& r) {
  return r.reason.empty() ? r.status : fmt::format("{} ({})", r.status, r.reason);
}

Error hardware_error(const RecordFile& bf, const Record& b, const RecordFile& cf, const Record& c) {
  return make_error(
      "hardware differs: {}:{} ran on {} (fingerprint {}), {}:{} on {} (fingerprint {}); pass "
      "--allow-hardware-mismatch to compare anyway (with --normalize roofline, each run is set "
      "against its own measured bandwidth)",
      bf.path, b.line, b.provenance.cpu_model, b.provenance.hardware_fingerprint, cf.path, c.line,
      c.provenance.cpu_model, c.provenance.hardware_fingerprint);
}

void note_mismatch(const Record& b, const Record& c, std::vector<HardwareMismatch>& mismatches) {
  HardwareMismatch m{b.provenance.hardware_fingerprint, b.provenance.cpu_model,
                     c.provenance.hardware_fingerprint, c.provenance.cpu_model};
  const bool known =
      std::any_of(mismatches.begin(), mismatches.end(), [&](const HardwareMismatch& x) {
        return x.baseline_fingerprint == m.baseline_fingerprint &&
               x.current_fingerprint == m.current_fingerprint;
      });
  if (!known) mismatches.push_back(std::move(m));
}

// Pairs baseline and current records in baseline file order; the rest become notes.
Result<std::vector<Pair>> pair_points(const RecordFile& bf, const RecordFile& cf,
                                      const CheckOptions& options, CheckReport& report) {
  const PointIndex base_index(bf, report.notes), cur_index(cf, report.notes);
  std::vector<Pair> pairs;
  std::set<const Record*> matched;
  for (const Record& b : bf.records) {
    if (!base_index.in_use(b)) continue;
    const std::map<std::string, const Record*>* candidates = cur_index.find(b.point);
    if (!candidates) {
      add_note(report.notes, NoteKind::BaselineOnly, b.point);
      continue;
    }
    const auto same = candidates->find(b.provenance.hardware_fingerprint);
    const Record* c = same != candidates->end() ? same->second : candidates->begin()->second;
    if (same == candidates->end()) {
      if (!options.allow_hardware_mismatch) return hardware_error(bf, b, cf, *c);
      note_mismatch(b, *c, report.hardware_mismatches);
    }
    matched.insert(c);
    pairs.push_back({&b, c});
  }
  for (const Record& c : cf.records) {
    if (!cur_index.in_use(c) || matched.count(&c)) continue;
    add_note(report.notes, NoteKind::CurrentOnly, c.point, c.ok() ? "" : status_text(c));
  }
  if (pairs.empty()) {
    return make_error("no point of {} matches a point of {} (first points: '{}' and '{}')", cf.path,
                      bf.path, point_label(bf.records.front().point),
                      point_label(cf.records.front().point));
  }
  return pairs;
}

// A pair where either side did not run cleanly becomes a note instead of comparisons.
bool note_status(const Pair& p, CheckReport& report) {
  const Record& b = *p.baseline;
  const Record& c = *p.current;
  if (b.ok() && c.ok()) return false;
  if (!b.ok()) {
    add_note(report.notes, NoteKind::NotOkInBaseline, c.point,
             fmt::format("baseline {}; current {}", status_text(b), status_text(c)));
  } else if (c.status == "failed") {
    add_note(report.notes, NoteKind::FailedInCurrent, c.point, c.reason);
  } else {
    add_note(report.notes, NoteKind::SkippedInCurrent, c.point, c.reason);
  }
  return true;
}

bool has_metric(const Record& r, const MetricDef& m) {
  return r.stats.count(m.source) > 0 || r.samples.count(m.source) > 0;
}

Status check_bandwidth(const RecordFile& file) {
  for (const Record& r : file.records) {
    if (r.ok() && !(r.read_gbs && *r.read_gbs > 0)) {
      return make_error(
          "{}:{}: --normalize roofline needs roofline.read_gbs, which this record lacks", file.path,
          r.line);
    }
  }
  return {};
}

int verdict_rank(Verdict v) {
  switch (v) {
    case Verdict::Regression: return 0;
    case Verdict::Improvement: return 1;
    case Verdict::NoChange: return 2;
  }
  return 2;
}

}  // namespace

std::size_t CheckReport::count(Verdict verdict) const {
  return static_cast<std::size_t>(
      std::count_if(comparisons.begin(), comparisons.end(),
                    [&](const Comparison& c) { return c.verdict == verdict; }));
}

std::size_t CheckReport::count(NoteKind kind) const {
  return static_cast<std::size_t>(
      std::count_if(notes.begin(), notes.end(), [&](const Note& n) { return n.kind == kind; }));
}

std::size_t CheckReport::tolerance_only() const {
  return static_cast<std::size_t>(
      std::count_if(comparisons.begin(), comparisons.end(),
                    [](const Comparison& c) { return c.basis == Basis::ToleranceOnly; }));
}

bool CheckReport::failed() const {
  return count(Verdict::Regression) > 0 || count(NoteKind::FailedInCurrent) > 0;
}

Result<CheckReport> run_check(const RecordFile& baseline, const RecordFile& current,
                              const CheckOptions& options) {
  if (options.normalize_roofline) {
    for (const RecordFile* file : {&baseline, &current}) {
      if (Status s = check_bandwidth(*file); !s.ok()) return s.error();
    }
  }
  CheckReport report;
  report.baseline_path = baseline.path;
  report.current_path = current.path;
  report.baseline_provenance = baseline.records.front().provenance;
  report.current_provenance = current.records.front().provenance;
  report.options = options;
  Result<std::vector<Pair>> pairs = pair_points(baseline, current, options, report);
  if (!pairs.ok()) return pairs.error();
  for (const Pair& p : *pairs) {
    if (note_status(p, report)) continue;
    for (const MetricDef* metric : options.metrics) {
      if (std::optional<Comparison> c = compare_metric(*p.baseline, *p.current, *metric, options)) {
        report.comparisons.push_back(std::move(*c));
      } else if (has_metric(*p.baseline, *metric)) {
        add_note(report.notes, NoteKind::MetricMissing, p.current->point,
                 "in the baseline, not in the current run", metric->name);
      }
    }
  }
  const bool any_ok_pair = std::any_of(pairs->begin(), pairs->end(), [](const Pair& p) {
    return p.baseline->ok() && p.current->ok();
  });
  if (any_ok_pair && report.comparisons.empty()) {
    std::string names;
    for (const MetricDef* m : options.metrics) names += (names.empty() ? "" : ", ") + m->name;
    return make_error("no matched point has any of the metrics {}", names);
  }
  std::stable_sort(report.comparisons.begin(), report.comparisons.end(),
                   [](const Comparison& a, const Comparison& b) {
                     return verdict_rank(a.verdict) < verdict_rank(b.verdict);
                   });
  return report;
}

}  // namespace memwall::check
