#include "memwall/fit/calibrate.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <sstream>

#include "memwall/fit/memory.hpp"
#include "memwall/fit/model_shape.hpp"
#include "memwall/model/presets.hpp"
#include "memwall/util/files.hpp"

namespace memwall::fit {
namespace {

using nlohmann::json;

// One usable measurement, reduced to what the speed model needs.
struct Measured {
  CalibrationRow row;
  double seconds = 0;        // one decode step (tg) or the whole prompt (pp)
  double full_speed_s = 0;   // tg: the step's bytes at the full measured bandwidth
  double n_layers = 0;
  double flops = 0;          // pp: FLOPs of the prompt
  double chunks = 0;         // pp: micro-batches
  double peak_flops = 0;     // pp: the compute peak that applies
};

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

double number_at(const json& j, const json::json_pointer& ptr) {
  return j.contains(ptr) && j.at(ptr).is_number() ? j.at(ptr).get<double>() : 0.0;
}

std::string string_at(const json& j, const json::json_pointer& ptr) {
  return j.contains(ptr) && j.at(ptr).is_string() ? j.at(ptr).get<std::string>() : std::string();
}

// The preset's shape at the record's scheme, when the record names a preset and a scheme.
std::optional<ModelShape> preset_shape(const std::string& model_name, const std::string& scheme_name) {
  if (!model_name.starts_with("preset:")) return std::nullopt;
  Result<model::Preset> preset = model::find_preset(model_name);
  const std::optional<model::Scheme> scheme = model::scheme_from_name(scheme_name);
  if (!preset.ok() || !scheme) return std::nullopt;
  return shape_from_preset(preset->spec, *scheme);
}

bool scheme_is_quantized(const std::string& scheme) {
  return scheme != "F32" && scheme != "F16" && scheme != "BF16";
}

// A tg or pp record with the numbers the speed model needs, reduced; nullopt otherwise.
std::optional<Measured> reduce(const Hardware& local, const json& r) {
  const json::json_pointer p("/point");
  const std::string test = string_at(r, p / "test");
  CalibrationRow row{test, string_at(r, p / "model"), string_at(r, p / "scheme"),
                     static_cast<std::int64_t>(number_at(r, p / "prompt")),
                     static_cast<std::int64_t>(number_at(r, p / "gen")),
                     static_cast<std::int64_t>(number_at(r, p / "depth")), 0, 0};
  row.measured_tok_s = number_at(r, json::json_pointer("/stats/" + test + "_tok_s/median"));
  const double read_gbs = number_at(r, json::json_pointer("/roofline/read_gbs"));
  Measured m;
  m.row = row;
  m.n_layers = number_at(r, json::json_pointer("/model/n_layer"));
  const std::optional<ModelShape> shape = preset_shape(row.model, row.scheme);
  if (m.n_layers == 0 && shape) m.n_layers = shape->spec.n_layers;
  if (row.measured_tok_s <= 0 || m.n_layers == 0) return std::nullopt;
  if (test == "tg") {
    const double context = static_cast<double>(row.depth + row.prompt) + static_cast<double>(row.gen) / 2;
    double weights = number_at(r, json::json_pointer("/model/active_weight_bytes"));
    double kv = number_at(r, json::json_pointer("/model/kv_bytes_per_token"));
    if (weights == 0 && shape) weights = shape->weight_bytes_per_step(1);
    if (kv == 0 && shape) kv = shape->kv_bytes_per_token(quant::TensorType::F16);
    const double bandwidth = read_gbs > 0 ? read_gbs : local.bandwidth_gbps;
    if (weights == 0 || bandwidth <= 0) return std::nullopt;
    m.seconds = 1.0 / row.measured_tok_s;
    m.full_speed_s = (weights + kv * context) / (bandwidth * 1e9);
    return m;
  }
  if (test == "pp" && row.prompt > 0) {
    const double p_tokens = static_cast<double>(row.prompt);
    const double mean_context = static_cast<double>(row.depth) + (p_tokens + 1) / 2;
    m.flops = shape ? p_tokens * shape->flops_per_token(mean_context)
                    : p_tokens * 2.0 * number_at(r, json::json_pointer("/model/params_active"));
    const bool quantized = shape ? shape->quantized : scheme_is_quantized(row.scheme);
    m.peak_flops = compute_peak_tflops(local, quantized) * 1e12;
    if (m.flops <= 0 || m.peak_flops <= 0) return std::nullopt;
    m.seconds = p_tokens / row.measured_tok_s;
    m.chunks = std::ceil(p_tokens / kBatchTokens);
    return m;
  }
  return std::nullopt;
}

// Least squares of step = a * full_speed + layers * overhead, weighted so that every point
// counts by its relative error. Falls back to the class's overhead when the points cannot
// separate the two (one model at one size), and to no overhead when the fit wants a negative one.
void fit_decode(const std::vector<Measured>& points, double default_overhead_s, double& a, double& overhead_s) {
  double sxx = 0, sxl = 0, sll = 0, sxy = 0, sly = 0;
  for (const Measured& m : points) {
    const double w = 1.0 / (m.seconds * m.seconds);
    sxx += w * m.full_speed_s * m.full_speed_s;
    sxl += w * m.full_speed_s * m.n_layers;
    sll += w * m.n_layers * m.n_layers;
    sxy += w * m.full_speed_s * m.seconds;
    sly += w * m.n_layers * m.seconds;
  }
  const double det = sxx * sll - sxl * sxl;
  if (det > 1e-9 * sxx * sll) {
    a = (sxy * sll - sly * sxl) / det;
    overhead_s = (sxx * sly - sxl * sxy) / det;
    if (overhead_s >= 0 && a > 0) return;
    overhead_s = 0;
  } else {
    overhead_s = default_overhead_s;
  }
  a = (sxy - overhead_s * sxl) / sxx;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double rms(const std::vector<double>& rel) {
  double s = 0;
  for (double x : rel) s += x * x;
  return rel.empty() ? 0 : std::sqrt(s / static_cast<double>(rel.size()));
}

// Only the full-machine runs: fewer threads measure a smaller machine.
std::vector<const json*> usable_records(const Hardware& local, const std::vector<json>& records,
                                        CalibrationReport& report) {
  std::vector<const json*> out;
  double max_threads = 0;
  for (const json& r : records) {
    if (string_at(r, json::json_pointer("/status")) != "ok") { ++report.skipped_not_ok; continue; }
    if (string_at(r, json::json_pointer("/provenance/hardware_fingerprint")) != local.fingerprint) {
      ++report.skipped_other_machine;
      continue;
    }
    if (string_at(r, json::json_pointer("/point/backend")) != "engine") { ++report.skipped_unusable; continue; }
    max_threads = std::max(max_threads, number_at(r, json::json_pointer("/point/threads")));
    out.push_back(&r);
  }
  std::erase_if(out, [&](const json* r) {
    const bool fewer = number_at(*r, json::json_pointer("/point/threads")) < max_threads;
    report.skipped_unusable += fewer;
    return fewer;
  });
  return out;
}

}  // namespace

Result<CalibrationReport> calibrate(const Hardware& local, const std::vector<json>& records,
                                    const std::string& source_name) {
  CalibrationReport report;
  std::vector<Measured> tg, pp;
  for (const json* r : usable_records(local, records, report)) {
    const std::optional<Measured> m = reduce(local, *r);
    if (!m) {
      ++report.skipped_unusable;
      continue;
    }
    (m->row.test == "tg" ? tg : pp).push_back(*m);
  }
  if (tg.empty()) {
    return make_error("{}: no usable tg point of this machine ({}) among {} records ({} of other machines, {} not ok, "
                      "{} unusable)", source_name, local.fingerprint, records.size(), report.skipped_other_machine,
                      report.skipped_not_ok, report.skipped_unusable);
  }
  const Efficiency defaults = default_efficiency(local.device_class);
  double a = 1, overhead_s = 0;
  fit_decode(tg, defaults.step_overhead_us_per_layer * 1e-6, a, overhead_s);
  Calibration& c = report.calibration;
  c.fingerprint = local.fingerprint;
  c.efficiency.decode_bandwidth = 1.0 / a;
  c.efficiency.step_overhead_us_per_layer = overhead_s * 1e6;
  std::vector<double> rel;
  for (const Measured& m : tg) {
    CalibrationRow row = m.row;
    row.fitted_tok_s = 1.0 / (a * m.full_speed_s + m.n_layers * overhead_s);
    rel.push_back(row.fitted_tok_s / row.measured_tok_s - 1);
    report.rows.push_back(row);
  }
  c.decode_points = static_cast<int>(tg.size());
  c.decode_rms_rel_error = rms(rel);

  std::vector<double> prefill_eff;
  for (const Measured& m : pp) {
    const double compute_s = m.seconds - m.chunks * m.n_layers * overhead_s;
    if (compute_s > 0) prefill_eff.push_back(m.flops / (compute_s * m.peak_flops));
  }
  c.efficiency.prefill_compute = prefill_eff.empty() ? defaults.prefill_compute : median(prefill_eff);
  if (prefill_eff.empty()) report.warnings.push_back("no usable pp point: prefill efficiency stays the class default");
  rel.clear();
  for (const Measured& m : pp) {
    CalibrationRow row = m.row;
    const double seconds = m.flops / (m.peak_flops * c.efficiency.prefill_compute) + m.chunks * m.n_layers * overhead_s;
    row.fitted_tok_s = static_cast<double>(row.prompt) / seconds;
    rel.push_back(row.fitted_tok_s / row.measured_tok_s - 1);
    report.rows.push_back(row);
  }
  c.prefill_points = static_cast<int>(prefill_eff.size());
  c.prefill_rms_rel_error = rms(rel);
  if (c.efficiency.decode_bandwidth > 1.0) {
    report.warnings.push_back(fmt::format("decode streams at {:.2f}x the probe's read bandwidth: part of the weights "
                                          "may sit in cache, or the probe ran on a busy machine",
                                          c.efficiency.decode_bandwidth));
  }
  c.results_file = source_name;
  c.timestamp_utc = utc_now();
  c.efficiency.calibrated = true;
  c.efficiency.source = fmt::format("calibrated on this machine from {} ({} tg, {} pp points, {})", source_name,
                                    c.decode_points, c.prefill_points, c.timestamp_utc);
  return report;
}

Result<CalibrationReport> calibrate_file(const Hardware& local, const std::filesystem::path& results) {
  Result<std::string> text = read_file(results);
  if (!text.ok()) return text.error();
  std::vector<json> records;
  std::istringstream lines(*text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return make_error("{}:{}: not a JSON object", results.string(), number);
    }
    records.push_back(std::move(j));
  }
  return calibrate(local, records, results.string());
}

}  // namespace memwall::fit
