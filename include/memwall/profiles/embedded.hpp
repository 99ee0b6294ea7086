#pragma once
// The JSON files under profiles/ (models, hardware, sweeps), compiled into the binary.
#include <span>
#include <string_view>

namespace memwall::profiles {

struct EmbeddedFile {
  std::string_view path;     // relative to profiles/, e.g. "models/llama-3.1-8b.json"
  std::string_view content;
};

std::span<const EmbeddedFile> embedded_files();

}  // namespace memwall::profiles
