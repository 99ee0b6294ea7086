#include "memwall/fit/efficiency.hpp"

#include <array>

#include "memwall/util/files.hpp"

namespace memwall::fit {
namespace {

struct ClassDefaults {
  DeviceClass device_class;
  std::string_view name;
  Efficiency efficiency;
  double runtime_overhead_gib;
};

// Each class's numbers were fitted once on the llama.cpp measurements named here (llama-bench,
// batch 1, full offload), never per device; results/fit.md and scripts/fit-vs-public.py check them
// against other devices of the class. Decode: two points of different bytes per step give the
// bandwidth efficiency and the per-step overhead; with one point the overhead is borrowed from
// nvidia-consumer. Compute: FLOPs per second of the prompt steps over the peak the profiles
// state (the geometric mean when there are two points). Overlap: 1 (the larger of memory and
// arithmetic) for every class, since the public points are single-sequence and cannot tell; a
// calibration with serving points measures it (0 on the CPU host of results/fit.md). Classes
// without public data of their own borrow the nearest fitted class and say so.
const std::array<ClassDefaults, 7> kClasses{{
    {DeviceClass::apple_gpu, "apple-gpu",
     {0.76, 117.0, 0.670, 1.0, false,
      "default for apple-gpu, fitted on M2 Ultra (llama.cpp PR #10238: llama 3B F16 and Q4_0)"},
     0.5},
    {DeviceClass::nvidia_consumer, "nvidia-consumer",
     {0.84, 22.7, 0.555, 1.0, false,
      "default for nvidia-consumer, fitted on RTX 3060 and RTX 5080 (llama.cpp discussion "
      "#15013: llama 7B Q4_0)"},
     0.6},
    {DeviceClass::nvidia_datacenter, "nvidia-datacenter",
     {0.44, 22.7, 0.223, 1.0, false,
      "default for nvidia-datacenter, fitted on A100 80GB (llama.cpp discussion #15013: llama 7B "
      "Q4_0; step overhead of nvidia-consumer)"},
     0.6},
    {DeviceClass::nvidia_soc, "nvidia-soc",
     {0.84, 22.7, 0.555, 1.0, false,
      "default for nvidia-soc: no public data fitted, nvidia-consumer's numbers (same CUDA kernels)"},
     0.5},
    {DeviceClass::amd_gpu, "amd-gpu",
     {0.76, 98.0, 0.46, 1.0, false,
      "default for amd-gpu, fitted on RX 7900 XTX (llama.cpp PR #26284: llama 8B Q4_K_M, ROCm) and "
      "RX 6700 XT (llama.cpp PR #5835: Mistral 7B Q4_0, ROCm)"},
     0.6},
    {DeviceClass::amd_apu, "amd-apu",
     {0.76, 98.0, 0.46, 1.0, false,
      "default for amd-apu: no public data fitted, amd-gpu's numbers (same ROCm kernels)"},
     0.5},
    {DeviceClass::cpu, "cpu",
     {0.67, 0.0, 0.217, 1.0, false,
      "default for cpu, fitted on i9-13900K DDR5-6400 (llama.cpp issue #34: 7B tg128) and Ryzen 9 "
      "7950X (ik_llama.cpp PR #121: Llama-3.1-8B pp512); no step overhead"},
     0.25},
}};

const ClassDefaults& defaults(DeviceClass c) {
  for (const ClassDefaults& d : kClasses) {
    if (d.device_class == c) return d;
  }
  return kClasses.back();
}

// Version 1 had no serving constants and a step model without overlap; version 2 was fitted against
// the plain read, before the probe (and the reads around a run) took the prefetched read where it
// is faster, up to a quarter on some Intel cores. Neither carries over, so both are ignored (the
// class default applies until the next --calibrate).
constexpr int kCalibrationVersion = 3;

}  // namespace

std::string calibration_source(const Calibration& c) {
  const std::string tracked =
      c.tracked_points > 0 ? fmt::format(", {} against the read around the run", c.tracked_points) : "";
  const std::string depth = c.depth_points > 0 ? fmt::format(", {} at depth", c.depth_points) : "";
  return fmt::format("calibrated on this machine from {} ({} tg, {} pp, {} serving points{}{}, {})", c.results_file,
                     c.decode_points, c.prefill_points, c.serving_points, tracked, depth, c.timestamp_utc);
}

std::string_view device_class_name(DeviceClass c) { return defaults(c).name; }

std::optional<DeviceClass> device_class_from_name(std::string_view name) {
  for (const ClassDefaults& d : kClasses) {
    if (d.name == name) return d.device_class;
  }
  return std::nullopt;
}

std::string device_class_names() {
  std::string names;
  for (const ClassDefaults& d : kClasses) names += (names.empty() ? "" : ", ") + std::string(d.name);
  return names;
}

Efficiency default_efficiency(DeviceClass c) { return defaults(c).efficiency; }

double runtime_overhead_gib(DeviceClass c) { return defaults(c).runtime_overhead_gib; }

std::string calibration_path(const std::string& fingerprint) {
  return (cache_dir() / ("fit-" + fingerprint + ".json")).string();
}

nlohmann::json calibration_to_json(const Calibration& c) {
  return {{"schema", "memwall.fit-calibration"},
          {"schema_version", kCalibrationVersion},
          {"fingerprint", c.fingerprint},
          {"decode_bandwidth_efficiency", c.efficiency.decode_bandwidth},
          {"step_overhead_us_per_layer", c.efficiency.step_overhead_us_per_layer},
          {"compute_efficiency", c.efficiency.compute},
          {"compute_overlap", c.efficiency.compute_overlap},
          {"compute_float_efficiency", c.efficiency.compute_float},
          {"compute_decode_efficiency", c.efficiency.compute_decode},
          {"compute_decode_float_efficiency", c.efficiency.compute_decode_float},
          {"superblock_bandwidth_efficiency", c.efficiency.superblock_bandwidth},
          {"compute_other_quant_efficiency", c.efficiency.compute_other_quant},
          {"attention_efficiency", c.efficiency.attention},
          {"read_ceiling_gbps", c.efficiency.read_ceiling_gbps},
          {"overhead_round_trips_per_layer", c.efficiency.overhead_round_trips_per_layer},
          {"overhead_round_trip_ns", c.efficiency.overhead_round_trip_ns},
          {"decode_points", c.decode_points},
          {"prefill_points", c.prefill_points},
          {"serving_points", c.serving_points},
          {"tracked_points", c.tracked_points},
          {"depth_points", c.depth_points},
          {"decode_rms_rel_error", c.decode_rms_rel_error},
          {"prefill_rms_rel_error", c.prefill_rms_rel_error},
          {"serving_rms_rel_error", c.serving_rms_rel_error},
          {"results_file", c.results_file},
          {"timestamp", c.timestamp_utc}};
}

Result<Calibration> calibration_from_json(const nlohmann::json& j) {
  try {
    if (j.at("schema") != "memwall.fit-calibration" || j.at("schema_version") != kCalibrationVersion) {
      return make_error("not a memwall.fit-calibration record of version {}", kCalibrationVersion);
    }
    Calibration c;
    j.at("fingerprint").get_to(c.fingerprint);
    j.at("decode_bandwidth_efficiency").get_to(c.efficiency.decode_bandwidth);
    j.at("step_overhead_us_per_layer").get_to(c.efficiency.step_overhead_us_per_layer);
    j.at("compute_efficiency").get_to(c.efficiency.compute);
    j.at("compute_overlap").get_to(c.efficiency.compute_overlap);
    j.at("compute_float_efficiency").get_to(c.efficiency.compute_float);
    // Absent from files written before decode tokens had their own: they fall back (0).
    c.efficiency.compute_decode = j.value("compute_decode_efficiency", 0.0);
    c.efficiency.compute_decode_float = j.value("compute_decode_float_efficiency", 0.0);
    c.efficiency.superblock_bandwidth = j.value("superblock_bandwidth_efficiency", 0.0);  // 0: falls back
    c.efficiency.compute_other_quant = j.value("compute_other_quant_efficiency", 0.0);      // 0: falls back
    c.efficiency.attention = j.value("attention_efficiency", 0.0);                         // 0: falls back
    c.efficiency.read_ceiling_gbps = j.value("read_ceiling_gbps", 0.0);                    // 0: none
    c.efficiency.overhead_round_trips_per_layer = j.value("overhead_round_trips_per_layer", 0.0);  // 0: none
    c.efficiency.overhead_round_trip_ns = j.value("overhead_round_trip_ns", 0.0);
    j.at("decode_points").get_to(c.decode_points);
    j.at("prefill_points").get_to(c.prefill_points);
    j.at("serving_points").get_to(c.serving_points);
    c.tracked_points = j.value("tracked_points", 0);  // absent from files written before tracking
    c.depth_points = j.value("depth_points", 0);
    j.at("decode_rms_rel_error").get_to(c.decode_rms_rel_error);
    j.at("prefill_rms_rel_error").get_to(c.prefill_rms_rel_error);
    j.at("serving_rms_rel_error").get_to(c.serving_rms_rel_error);
    j.at("results_file").get_to(c.results_file);
    j.at("timestamp").get_to(c.timestamp_utc);
    c.efficiency.calibrated = true;
    c.efficiency.source = calibration_source(c);
    return c;
  } catch (const nlohmann::json::exception& e) {
    return make_error("calibration: {}", e.what());
  }
}

std::optional<Calibration> load_calibration(const std::string& fingerprint) {
  Result<std::string> text = read_file(calibration_path(fingerprint));
  if (!text.ok()) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  Result<Calibration> c = calibration_from_json(j);
  if (!c.ok() || c->fingerprint != fingerprint) return std::nullopt;
  return std::move(c).value();
}

Status store_calibration(const Calibration& calibration) {
  std::error_code ec;
  std::filesystem::create_directories(cache_dir(), ec);
  if (ec) return make_error("{}: cannot create cache directory: {}", cache_dir().string(), ec.message());
  return write_file_atomic(calibration_path(calibration.fingerprint), calibration_to_json(calibration).dump(2) + "\n");
}

}  // namespace memwall::fit
