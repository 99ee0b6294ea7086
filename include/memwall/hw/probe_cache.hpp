#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "memwall/hw/probe.hpp"
#include "memwall/util/result.hpp"

namespace memwall::hw {

// Probe results are cached per machine under cache_dir()/probe-<fingerprint>.json.
std::filesystem::path probe_cache_path(const std::string& fingerprint);

// The cached result for this fingerprint; nullopt when there is none or it is unreadable or of
// another schema version (it is then simply measured again).
std::optional<ProbeResult> load_cached_probe(const std::string& fingerprint);

// Stores `result` unless it is a quick probe and a full one is already cached.
Status store_probe(const ProbeResult& result);

// What later subcommands use: the cached probe of this machine, or a quick probe run now (and
// cached) when there is none or `refresh` is set.
Result<ProbeResult> cached_or_quick_probe(bool refresh);

}  // namespace memwall::hw
