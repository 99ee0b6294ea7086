#pragma once
#include <filesystem>
#include <string>
#include <string_view>

#include "memwall/util/result.hpp"

namespace memwall {

// Writes `content` to a temporary file beside `path` and renames it over `path`, so a reader never
// sees a half-written file and a failed write leaves any previous file untouched.
Status write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Appends `line` plus a newline with one write(2) on an O_APPEND descriptor and syncs it, so a
// crash after the call returns never loses the line and concurrent appenders never interleave.
Status append_line(const std::filesystem::path& path, std::string_view line);

Result<std::string> read_file(const std::filesystem::path& path);

// $XDG_CACHE_HOME/memwall, else $HOME/.cache/memwall. Not created here.
std::filesystem::path cache_dir();

}  // namespace memwall
