#pragma once
#include <string>

#include "memwall/hw/probe.hpp"

namespace memwall::cli {

// The human-readable probe report.
std::string format_probe(const hw::ProbeResult& result);

}  // namespace memwall::cli
