#include "bench_records.hpp"

#include <algorithm>
#include <sstream>

#include "memwall/model/presets.hpp"
#include "memwall/util/files.hpp"

namespace memwall::fit::detail {

using nlohmann::json;

double number_at(const json& j, const std::string& ptr) {
  const json::json_pointer p(ptr);
  return j.contains(p) && j.at(p).is_number() ? j.at(p).get<double>() : 0.0;
}

namespace {

std::string string_at(const json& j, const std::string& ptr) {
  const json::json_pointer p(ptr);
  return j.contains(p) && j.at(p).is_string() ? j.at(p).get<std::string>() : std::string();
}

// The record's model at its scheme: a preset synthesized at it, or the GGUF file as it is (or
// requantized, when bench's -q requantized a float file).
std::optional<ModelShape> shape_of(const std::string& model_name, const std::string& scheme_name) {
  const std::optional<model::Scheme> scheme = model::scheme_from_name(scheme_name);
  if (model_name.starts_with("preset:")) {
    Result<model::Preset> preset = model::find_preset(model_name);
    if (!preset.ok() || !scheme) return std::nullopt;
    return shape_from_preset(preset->spec, *scheme);
  }
  Result<ModelShape> file = shape_from_gguf(model_name);
  if (!file.ok()) return std::nullopt;
  if (!scheme || file->scheme == scheme) return std::move(file).value();
  Result<ModelShape> requantized = shape_from_gguf(model_name, *scheme);
  if (!requantized.ok()) return std::nullopt;
  return std::move(requantized).value();
}

std::optional<quant::TensorType> kv_type_of(const std::string& name) {
  if (name == "f16" || name.empty()) return quant::TensorType::F16;
  if (name == "q8_0") return quant::TensorType::Q8_0;
  if (name == "f32") return quant::TensorType::F32;
  return std::nullopt;
}

}  // namespace

std::vector<const json*> usable_records(const Hardware& local, const std::vector<json>& records, RecordSkips& skips) {
  std::vector<const json*> out;
  double max_threads = 0;
  for (const json& r : records) {
    if (string_at(r, "/status") != "ok") { ++skips.not_ok; continue; }
    if (string_at(r, "/provenance/hardware_fingerprint") != local.fingerprint) { ++skips.other_machine; continue; }
    if (string_at(r, "/point/backend") != "engine") { ++skips.unusable; continue; }
    max_threads = std::max(max_threads, number_at(r, "/point/threads"));
    out.push_back(&r);
  }
  std::erase_if(out, [&](const json* r) {
    const bool fewer = number_at(*r, "/point/threads") < max_threads;
    skips.unusable += fewer;
    return fewer;
  });
  return out;
}

std::optional<RecordPoint> record_point(const Hardware& local, const json& r) {
  RecordPoint p;
  p.test = string_at(r, "/point/test");
  p.model = string_at(r, "/point/model");
  p.scheme = string_at(r, "/point/scheme");
  if (p.test != "tg" && p.test != "pp" && p.test != "serve") return std::nullopt;
  if (p.test == "serve" && (number_at(r, "/point/rate") > 0 || number_at(r, "/point/concurrency") < 1)) return std::nullopt;
  const std::optional<quant::TensorType> kv = kv_type_of(string_at(r, "/point/kv_type"));
  std::optional<ModelShape> shape = shape_of(p.model, p.scheme);
  if (!kv || !shape) return std::nullopt;
  p.shape = std::move(*shape);
  PointParams& q = p.params;
  q.users = std::max<std::int64_t>(static_cast<std::int64_t>(number_at(r, "/point/concurrency")), 1);
  q.prompt = static_cast<std::int64_t>(number_at(r, "/point/prompt"));
  q.gen = static_cast<std::int64_t>(number_at(r, "/point/gen"));
  q.depth = static_cast<std::int64_t>(number_at(r, "/point/depth"));
  q.kv_type = *kv;
  q.requests = static_cast<std::int64_t>(number_at(r, "/point/requests"));
  const double repetitions = std::max(number_at(r, "/point/repetitions"), 1.0);
  q.warmup = static_cast<std::int64_t>(number_at(r, "/requests/warmup") / repetitions);
  // bench gives the engine room for every decode token plus the budget; records from before the
  // budget was a sweep dimension ran with the engine's old fixed limits, 512 tokens either way.
  const double budget = number_at(r, "/point/prefill_budget");
  q.prefill_budget = budget >= 1 ? static_cast<std::int64_t>(budget) : 512;
  q.max_batch_tokens = budget >= 1 ? 0 : 512;
  p.bandwidth = record_bandwidth(local, r);
  if (p.bandwidth.gbps <= 0) return std::nullopt;
  return p;
}

double record_stat(const json& record, const std::string& metric, const std::string& field) {
  return number_at(record, "/stats/" + metric + "/" + field);
}

Result<std::vector<json>> read_records(const std::filesystem::path& path) {
  Result<std::string> text = read_file(path);
  if (!text.ok()) return text.error();
  std::vector<json> records;
  std::istringstream lines(*text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return make_error("{}:{}: not a JSON object", path.string(), number);
    records.push_back(std::move(j));
  }
  return records;
}

std::string model_label(const std::string& model, const std::string& scheme) {
  std::string name = model.starts_with("preset:") ? model.substr(7) : std::filesystem::path(model).stem().string();
  return scheme == "file" || scheme.empty() ? name : name + " " + scheme;
}

}  // namespace memwall::fit::detail

namespace memwall::fit {

RecordBandwidth record_bandwidth(const Hardware& local, const nlohmann::json& record) {
  const double around = detail::number_at(record, "/roofline/read_gbs_around/median");
  const double low = detail::number_at(record, "/roofline/read_gbs_around/min");
  const double high = detail::number_at(record, "/roofline/read_gbs_around/max");
  const double steps = std::max(1.0, detail::number_at(record, "/stats/step_spread/max"));
  RecordBandwidth b;
  b.step_spread = steps;
  b.round_trip_ns = detail::number_at(record, "/roofline/core_round_trip_ns_around/median");
  b.round_trip_min_ns = detail::number_at(record, "/roofline/core_round_trip_ns_around/min");
  b.round_trip_max_ns = detail::number_at(record, "/roofline/core_round_trip_ns_around/max");
  if (b.round_trip_min_ns > 0 && b.round_trip_max_ns > b.round_trip_min_ns) {
    b.round_trip_spread = b.round_trip_max_ns / b.round_trip_min_ns;
  }
  const double compute_low = detail::number_at(record, "/roofline/compute_gops_around/min");
  const double compute_high = detail::number_at(record, "/roofline/compute_gops_around/max");
  if (compute_low > 0 && compute_high > compute_low) b.compute_spread = compute_high / compute_low;
  if (around > 0) {
    b.gbps = around;
    b.around = true;
    b.spread = low > 0 && high > low ? high / low : 1.0;
    return b;
  }
  const double read_gbs = detail::number_at(record, "/roofline/read_gbs");
  b.gbps = read_gbs > 0 ? read_gbs : local.bandwidth_gbps;
  return b;
}

Hardware at_bandwidth(const Hardware& local, const RecordBandwidth& bandwidth) {
  Hardware hw = local;
  hw.bandwidth_gbps = bandwidth.gbps;
  if (bandwidth.around) {
    hw.bandwidth_basis = "read around the run";
    hw.core_round_trip_ns = bandwidth.round_trip_ns;
  }
  return hw;
}

}  // namespace memwall::fit
