#pragma once
#include <string>
#include <vector>

#include "memwall/model/presets.hpp"
#include "memwall/model/summary.hpp"

namespace memwall::cli {

std::string format_model_summary(const model::ModelSummary& summary);
std::string format_presets(const std::vector<model::Preset>& presets);
// The k highest logits, highest first: rank, token id, logit.
std::string format_top_tokens(const std::vector<float>& logits, std::size_t k);

}  // namespace memwall::cli
