#pragma once
#include <cstdint>
#include <string>

namespace memwall::hw {

struct MemoryInfo {
  std::uint64_t total_bytes = 0;
  std::uint64_t available_bytes = 0;  // Linux MemAvailable; macOS free + inactive + purgeable
  std::uint64_t page_size_bytes = 0;
  std::string transparent_huge_pages;  // "always", "madvise", "never", or "unsupported"
};

MemoryInfo detect_memory();

// MemAvailable-style figure read now; other subcommands check it before allocating.
std::uint64_t available_memory_bytes();

}  // namespace memwall::hw
