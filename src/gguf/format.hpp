#pragma once
// Fixed numbers of the GGUF format shared by the reader and the writer.
#include <cstdint>

namespace memwall::gguf::detail {

inline constexpr std::uint32_t kMagic = 0x46554747;  // the bytes "GGUF" read as a little-endian u32
inline constexpr std::uint32_t kWrittenVersion = 3;  // v3 adds nothing to v2 but big-endian files

}  // namespace memwall::gguf::detail
