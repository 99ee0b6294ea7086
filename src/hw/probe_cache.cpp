#include "memwall/hw/probe_cache.hpp"

#include "memwall/hw/probe_json.hpp"
#include "memwall/util/files.hpp"

namespace memwall::hw {

std::filesystem::path probe_cache_path(const std::string& fingerprint) {
  return cache_dir() / ("probe-" + fingerprint + ".json");
}

std::optional<ProbeResult> load_cached_probe(const std::string& fingerprint) {
  Result<std::string> text = read_file(probe_cache_path(fingerprint));
  if (!text.ok()) return std::nullopt;
  const nlohmann::json record = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (record.is_discarded()) return std::nullopt;
  Result<ProbeResult> result = probe_from_json(record);
  if (!result.ok() || result->fingerprint != fingerprint) return std::nullopt;
  return std::move(result).value();
}

Status store_probe(const ProbeResult& result) {
  if (result.quick) {
    const std::optional<ProbeResult> cached = load_cached_probe(result.fingerprint);
    if (cached && !cached->quick) return {};
  }
  std::error_code ec;
  std::filesystem::create_directories(cache_dir(), ec);
  if (ec) return make_error("{}: cannot create cache directory: {}", cache_dir().string(), ec.message());
  return write_file_atomic(probe_cache_path(result.fingerprint), probe_to_json(result).dump(2));
}

Result<ProbeResult> cached_or_quick_probe(bool refresh) {
  if (!refresh) {
    Result<std::string> fingerprint = local_fingerprint();
    if (!fingerprint.ok()) return fingerprint.error();
    if (std::optional<ProbeResult> cached = load_cached_probe(*fingerprint)) return *cached;
  }
  ProbeOptions options;
  options.quick = true;
  Result<ProbeResult> probed = run_probe(options);
  if (!probed.ok()) return probed.error();
  (void)store_probe(*probed);  // a read-only cache directory must not fail the caller's command
  return probed;
}

}  // namespace memwall::hw
