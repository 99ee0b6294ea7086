#pragma once
#include <cstdint>
#include <optional>

namespace memwall::testing {

// The bytes of mapped files this process has resident (RssFile in /proc/self/status); none where
// the kernel does not say.
std::optional<std::uint64_t> resident_file_bytes();

}  // namespace memwall::testing
