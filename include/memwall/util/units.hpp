#pragma once
#include <cstdint>
#include <string>

namespace memwall {

inline constexpr std::uint64_t kKiB = 1024;
inline constexpr std::uint64_t kMiB = 1024 * kKiB;
inline constexpr std::uint64_t kGiB = 1024 * kMiB;

// Decimal giga: bandwidth is quoted in GB/s = 1e9 bytes/s by every peer tool and vendor sheet.
inline constexpr double kGB = 1e9;

// "512 KiB", "32.0 MiB", "23.5 GiB": binary units, as capacities are printed by the OS.
std::string format_bytes(std::uint64_t bytes);

}  // namespace memwall
