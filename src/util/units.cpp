#include "memwall/util/units.hpp"

#include <fmt/format.h>

namespace memwall {

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < kKiB) return fmt::format("{} B", bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / static_cast<double>(kKiB);
  int unit = 0;
  while (value >= 1024.0 && unit < 3) {
    value /= 1024.0;
    ++unit;
  }
  if (value == static_cast<double>(static_cast<std::uint64_t>(value))) {
    return fmt::format("{} {}", static_cast<std::uint64_t>(value), units[unit]);
  }
  return fmt::format("{:.1f} {}", value, units[unit]);
}

}  // namespace memwall
