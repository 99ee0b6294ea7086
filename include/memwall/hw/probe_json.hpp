#pragma once
#include <nlohmann/json.hpp>

#include "memwall/hw/probe.hpp"
#include "memwall/util/result.hpp"

namespace memwall::hw {

// The versioned probe record (schemas/probe.schema.json documents every field).
nlohmann::json probe_to_json(const ProbeResult& result);
Result<ProbeResult> probe_from_json(const nlohmann::json& record);

}  // namespace memwall::hw
