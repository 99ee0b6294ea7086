#pragma once
// Architecture presets: profiles/models/*.json, compiled into the binary.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "memwall/model/spec.hpp"
#include "memwall/util/result.hpp"

namespace memwall::model {

// Parameter counts as their publisher states them, to check the shapes against.
struct PublishedCounts {
  std::optional<double> total_params_b;
  std::optional<double> active_params_b;
  bool active_counts_input_embedding = true;
  std::string source;
};

struct Preset {
  ModelSpec spec;
  std::string hf_repo;
  PublishedCounts published;
  std::string source;  // where the shape comes from
};

// Every embedded preset, sorted by name.
Result<std::vector<Preset>> load_presets();
// "preset:NAME" or "NAME"; the error lists the names there are.
Result<Preset> find_preset(std::string_view name);

Result<Preset> preset_from_json(const nlohmann::json& j);

}  // namespace memwall::model
