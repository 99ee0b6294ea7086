#pragma once
// A whole file mapped read-only, its lifetime shared by every GgufFile copy that views it.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>

#include "memwall/util/result.hpp"

namespace memwall::gguf::detail {

struct MappedFile {
  std::shared_ptr<const void> owner;  // unmaps when the last holder lets go; null when empty
  std::span<const std::byte> bytes;
};

// Errors name the path. An empty file maps to no bytes (and then fails to parse, with a message).
Result<MappedFile> map_readonly(const std::filesystem::path& path);

}  // namespace memwall::gguf::detail
