#include "text.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace memwall::gguf::detail {
namespace {

constexpr std::size_t kMaxPrintedBytes = 80;

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not a valid one.
std::size_t sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const std::uint8_t lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint8_t min_second = 0x80, max_second = 0xBF;  // the second byte's range rules out the
  if (lead >= 0xC2 && lead <= 0xDF) {                 // overlong forms and the surrogates
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;
    if (lead == 0xED) max_second = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;
    if (lead == 0xF4) max_second = 0x8F;
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return length;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string printable(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size();) {
    if (out.size() >= kMaxPrintedBytes) return out + "...";
    const std::size_t length = sequence_length(name, i);
    const auto lead = static_cast<std::uint8_t>(name[i]);
    if (length == 0 || (length == 1 && (lead < 0x20 || lead == 0x7F))) {
      out += fmt::format("\\x{:02x}", lead);
      ++i;
    } else {
      out.append(name.substr(i, length));
      i += length;
    }
  }
  return out;
}

}  // namespace memwall::gguf::detail
