#pragma once
#include <string>
#include <vector>

#include "memwall/model/presets.hpp"
#include "memwall/model/summary.hpp"

namespace memwall::cli {

std::string format_model_summary(const model::ModelSummary& summary);
std::string format_presets(const std::vector<model::Preset>& presets);

}  // namespace memwall::cli
