#pragma once
// Reading the key-value section of a GGUF header.
#include <cstdint>
#include <vector>

#include "cursor.hpp"
#include "memwall/gguf/value.hpp"
#include "memwall/util/result.hpp"

namespace memwall::gguf::detail {

// Arrays inside arrays deeper than this are refused: real files nest at most once, and the limit
// bounds the parser's recursion on hostile input.
inline constexpr unsigned kMaxArrayDepth = 8;

// All the values of all arrays in one file. A Value takes ~40 bytes in memory for each 1-byte u8
// item in the file, so an unbounded count would let a large crafted file demand 40x its size in
// memory; the largest real vocabularies (~260k tokens, plus merges and scores) stay ~16x below.
inline constexpr std::uint64_t kMaxMetadataValues = std::uint64_t{1} << 24;

// Reads `count` key-value pairs: keys non-empty, valid UTF-8 and unique; values of known types.
// Messages name the key ("key general.name: ...") but not the file: the caller adds that.
Result<std::vector<KeyValue>> read_metadata(Cursor& cursor, std::uint64_t count);

}  // namespace memwall::gguf::detail
