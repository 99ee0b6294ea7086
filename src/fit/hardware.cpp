#include "memwall/fit/hardware.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "memwall/hw/probe_cache.hpp"
#include "memwall/profiles/embedded.hpp"
#include "memwall/util/units.hpp"

namespace memwall::fit {
namespace {

using nlohmann::json;

std::uint64_t gib_to_bytes(double gib) { return static_cast<std::uint64_t>(std::llround(gib * static_cast<double>(kGiB))); }

template <typename T>
std::optional<T> optional_number(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<T>();
}

// "memory: ...; compute: ...; power and price: ..."
std::string join_sources(const json& sources) {
  std::string text;
  for (const auto& [key, value] : sources.items()) {
    text += (text.empty() ? "" : "; ") + key + ": " + value.get<std::string>();
  }
  return text;
}

Result<double> parse_number(std::string_view field, std::string_view value) {
  double x = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), x);
  if (ec != std::errc() || end != value.data() + value.size() || !std::isfinite(x)) {
    return make_error("field {}: '{}' is not a number", field, value);
  }
  if (x <= 0) return make_error("field {}: {} must be positive", field, value);
  return x;
}

constexpr std::string_view kInlineFields = "bw, mem, tflops, class, reserve, int8, watts, price, name";

// One "key=value" of an inline description into `hw`; `seen` collects the required keys given.
Status apply_inline_field(Hardware& hw, std::string_view key, std::string_view value, std::string& seen) {
  if (key == "class") {
    const std::optional<DeviceClass> c = device_class_from_name(value);
    if (!c) return make_error("field class: unknown device class '{}' (classes: {})", value, device_class_names());
    hw.device_class = *c;
    return {};
  }
  if (key == "name") {
    hw.name = hw.display_name = std::string(value);
    return {};
  }
  static constexpr std::string_view kNumeric[] = {"bw", "mem", "tflops", "reserve", "int8", "watts", "price"};
  if (std::find(std::begin(kNumeric), std::end(kNumeric), key) == std::end(kNumeric)) {
    return make_error("unknown field '{}' (fields: {})", key, kInlineFields);
  }
  Result<double> x = parse_number(key, value);
  if (!x.ok()) return x.error();
  if (key == "bw") hw.bandwidth_gbps = *x;
  if (key == "mem") hw.memory_bytes = gib_to_bytes(*x);
  if (key == "tflops") hw.compute_tflops = *x;
  if (key == "reserve") hw.os_reserve_bytes = gib_to_bytes(*x);
  if (key == "int8") hw.int8_tops = *x;
  if (key == "watts") hw.power_w = *x;
  if (key == "price") hw.price_usd = *x;
  seen += std::string(key) + ",";
  return {};
}

}  // namespace

double compute_peak_tflops(const Hardware& hw, bool quantized_weights) {
  if (hw.device_class == DeviceClass::cpu && quantized_weights && hw.int8_tops) return *hw.int8_tops;
  return hw.compute_tflops;
}

Result<Hardware> hardware_from_json(const json& j) {
  try {
    Hardware hw;
    j.at("name").get_to(hw.name);
    j.at("display_name").get_to(hw.display_name);
    const std::string class_name = j.at("device_class");
    const std::optional<DeviceClass> c = device_class_from_name(class_name);
    if (!c) return make_error("device_class: unknown '{}' (classes: {})", class_name, device_class_names());
    hw.device_class = *c;
    hw.memory_bytes = gib_to_bytes(j.at("memory_gib").get<double>());
    hw.os_reserve_bytes = gib_to_bytes(j.at("os_reserve_gib").get<double>());
    j.at("bandwidth_gbps").get_to(hw.bandwidth_gbps);
    hw.bandwidth_basis = "spec";
    j.at("compute_tflops").get_to(hw.compute_tflops);
    j.at("compute_basis").get_to(hw.compute_basis);
    hw.int8_tops = optional_number<double>(j, "int8_tops");
    hw.power_w = optional_number<double>(j, "power_w");
    hw.price_usd = optional_number<double>(j, "price_usd");
    hw.source = join_sources(j.at("source"));
    if (hw.bandwidth_gbps <= 0 || hw.compute_tflops <= 0 || hw.memory_bytes == 0) {
      return make_error("memory_gib, bandwidth_gbps and compute_tflops must be positive");
    }
    hw.efficiency = default_efficiency(hw.device_class);
    return hw;
  } catch (const json::exception& e) {
    return make_error("{}", e.what());
  }
}

Result<std::vector<Hardware>> load_hardware_profiles() {
  std::vector<Hardware> machines;
  for (const profiles::EmbeddedFile& file : profiles::embedded_files()) {
    if (!file.path.starts_with("hardware/")) continue;
    const json j = json::parse(file.content, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return make_error("profiles/{}: not valid JSON", file.path);
    Result<Hardware> hw = hardware_from_json(j);
    if (!hw.ok()) return make_error("profiles/{}: {}", file.path, hw.error().message);
    machines.push_back(std::move(hw).value());
  }
  std::sort(machines.begin(), machines.end(), [](const Hardware& a, const Hardware& b) { return a.name < b.name; });
  return machines;
}

Result<Hardware> find_hardware(std::string_view name) {
  Result<std::vector<Hardware>> machines = load_hardware_profiles();
  if (!machines.ok()) return machines.error();
  std::string names;
  for (const Hardware& hw : *machines) {
    if (hw.name == name) return hw;
    names += (names.empty() ? "" : ", ") + hw.name;
  }
  return make_error("unknown hardware '{}' (profiles: {}; or 'local', or an inline 'bw=...,mem=...,tflops=...')",
                    name, names);
}

bool looks_inline(std::string_view text) { return text.find('=') != std::string_view::npos; }

Result<Hardware> parse_inline_hardware(std::string_view text) {
  Hardware hw;
  hw.name = hw.display_name = "inline";
  hw.bandwidth_basis = "spec";
  hw.compute_basis = "as given";
  hw.source = "command line";
  std::string seen;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const std::size_t eq = item.find('=');
    if (item.empty()) continue;
    if (eq == std::string_view::npos) return make_error("'{}' is not key=value (fields: {})", item, kInlineFields);
    if (Status s = apply_inline_field(hw, item.substr(0, eq), item.substr(eq + 1), seen); !s.ok()) return s.error();
  }
  for (std::string_view required : {"bw", "mem", "tflops"}) {
    if (seen.find(std::string(required) + ",") == std::string::npos) {
      return make_error("missing field {} (required: bw in GB/s, mem in GiB, tflops)", required);
    }
  }
  if (hw.os_reserve_bytes >= hw.memory_bytes) return make_error("field reserve: not less than mem");
  hw.efficiency = default_efficiency(hw.device_class);
  return hw;
}

Hardware hardware_from_probe(const hw::ProbeResult& probe) {
  Hardware hw;
  hw.name = "local";
  hw.display_name = probe.cpu.model + " (this machine, CPU)";
  hw.device_class = DeviceClass::cpu;
  hw.memory_bytes = probe.memory.total_bytes;
  hw.os_reserve_bytes = probe.memory.total_bytes > probe.memory.available_bytes
                            ? probe.memory.total_bytes - probe.memory.available_bytes
                            : 0;
  hw.bandwidth_gbps = probe.read_gbps();
  hw.bandwidth_basis = "measured";
  hw.compute_tflops = probe.f32.best_gops / 1000.0;
  hw.compute_basis = fmt::format("measured f32 FMA ({})", probe.f32.isa);
  if (probe.int8.best_gops > 0) hw.int8_tops = probe.int8.best_gops / 1000.0;
  hw.source = fmt::format("memwall probe {}{} ({})", probe.fingerprint, probe.quick ? ", quick" : "", probe.timestamp_utc);
  hw.fingerprint = probe.fingerprint;
  if (probe.latency.core_round_trip) hw.core_round_trip_ns = probe.latency.core_round_trip->farthest_ns;
  hw.efficiency = default_efficiency(hw.device_class);
  return hw;
}

Result<Hardware> local_hardware(bool probe_if_missing) {
  Result<std::string> fingerprint = hw::local_fingerprint();
  if (!fingerprint.ok()) return fingerprint.error();
  std::optional<hw::ProbeResult> probe = hw::load_cached_probe(*fingerprint);
  if (!probe) {
    if (!probe_if_missing) {
      return make_error("no cached probe for this machine in {}; run 'memwall probe'",
                        hw::probe_cache_path(*fingerprint).string());
    }
    Result<hw::ProbeResult> probed = hw::cached_or_quick_probe(/*refresh=*/false);
    if (!probed.ok()) return probed.error();
    probe = std::move(probed).value();
  }
  Hardware local = hardware_from_probe(*probe);
  if (std::optional<Calibration> calibration = load_calibration(local.fingerprint)) {
    local.efficiency = calibration->efficiency;
  }
  return local;
}

json hardware_to_json(const Hardware& hw) {
  auto opt = [](const std::optional<double>& x) { return x ? json(*x) : json(nullptr); };
  return {{"name", hw.name},
          {"display_name", hw.display_name},
          {"device_class", device_class_name(hw.device_class)},
          {"memory_bytes", hw.memory_bytes},
          {"os_reserve_bytes", hw.os_reserve_bytes},
          {"bandwidth_gbps", hw.bandwidth_gbps},
          {"bandwidth_basis", hw.bandwidth_basis},
          {"compute_tflops", hw.compute_tflops},
          {"compute_basis", hw.compute_basis},
          {"int8_tops", opt(hw.int8_tops)},
          {"power_w", opt(hw.power_w)},
          {"price_usd", opt(hw.price_usd)},
          {"source", hw.source},
          {"core_round_trip_ns", hw.core_round_trip_ns > 0 ? json(hw.core_round_trip_ns) : json(nullptr)},
          {"efficiency",
           {{"decode_bandwidth", hw.efficiency.decode_bandwidth},
            {"step_overhead_us_per_layer", hw.efficiency.overhead_us_per_layer(hw.core_round_trip_ns)},
            {"overhead_round_trips_per_layer", hw.efficiency.overhead_round_trips_per_layer},
            {"compute", hw.efficiency.compute},
            {"compute_overlap", hw.efficiency.compute_overlap},
            {"compute_float", hw.efficiency.compute_for(false)},
            {"compute_decode", hw.efficiency.compute_for(true, true)},
            {"compute_decode_float", hw.efficiency.compute_for(false, true)},
            {"superblock_bandwidth", hw.efficiency.bandwidth_for_superblocks()},
            {"compute_other_quant", hw.efficiency.compute_for_other_quant()},
            {"calibrated", hw.efficiency.calibrated},
            {"source", hw.efficiency.source}}}};
}

}  // namespace memwall::fit
