#include "memwall/hw/cpu.hpp"

namespace memwall::hw {

std::vector<std::string> IsaFeatures::names() const {
  std::vector<std::string> present;
  for (const auto& feature : kIsaFeatureNames) {
    if (this->*feature.member) present.emplace_back(feature.name);
  }
  return present;
}

bool IsaFeatures::set(std::string_view name, bool present) {
  for (const auto& feature : kIsaFeatureNames) {
    if (feature.name == name) {
      this->*feature.member = present;
      return true;
    }
  }
  return false;
}

}  // namespace memwall::hw
