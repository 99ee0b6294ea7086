#include "support/resident.hpp"

#include <fstream>
#include <string>

namespace memwall::testing {

std::optional<std::uint64_t> resident_file_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  std::uint64_t kib = 0;
  while (status >> key) {
    if (key == "RssFile:" && status >> kib) return kib * 1024;
    status.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

}  // namespace memwall::testing
