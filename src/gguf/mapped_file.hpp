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

// Drops the whole pages inside `bytes`, a range of a mapping map_readonly made, from this
// process's memory; a later read faults them back in from the page cache.
void release_pages(std::span<const std::byte> bytes);

}  // namespace memwall::gguf::detail
