#include "memwall/model/spec.hpp"

#include <array>
#include <utility>

namespace memwall::model {
namespace {

constexpr std::array<std::pair<Arch, std::string_view>, 7> kArchNames{{
    {Arch::llama, "llama"},
    {Arch::qwen2, "qwen2"},
    {Arch::qwen3, "qwen3"},
    {Arch::qwen3moe, "qwen3moe"},
    {Arch::gemma3, "gemma3"},
    {Arch::phi3, "phi3"},
    {Arch::gpt_oss, "gpt-oss"},
}};

}  // namespace

std::string_view arch_name(Arch arch) {
  for (const auto& [a, name] : kArchNames) {
    if (a == arch) return name;
  }
  return "unknown";
}

std::optional<Arch> arch_from_name(std::string_view name) {
  for (const auto& [a, n] : kArchNames) {
    if (n == name) return a;
  }
  return std::nullopt;
}

bool ModelSpec::engine_supported() const {
  return arch == Arch::llama || arch == Arch::qwen2 || arch == Arch::qwen3 ||
         arch == Arch::qwen3moe;
}

}  // namespace memwall::model
