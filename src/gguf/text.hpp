#pragma once
// Text checks for the names a GGUF file carries, and a safe way to quote them in messages.
#include <string>
#include <string_view>

namespace memwall::gguf::detail {

// Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
bool is_valid_utf8(std::string_view text);

// A name as it may appear in an error message: control bytes and (in invalid UTF-8) high bytes
// escaped as \xNN, and cut at ~80 bytes, because a hostile file can make a key a gigabyte long or
// full of terminal escape sequences.
std::string printable(std::string_view name);

}  // namespace memwall::gguf::detail
