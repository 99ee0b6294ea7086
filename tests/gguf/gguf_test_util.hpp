#pragma once
// Helpers for the gguf tests: a byte-level GGUF builder independent of memwall's writer (so the
// reader is checked against the format, not against the writer's idea of it), and file helpers.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "memwall/gguf/reader.hpp"
#include "memwall/gguf/writer.hpp"

namespace memwall::gguf::testing {

using Bytes = std::vector<std::byte>;

// Appends little-endian fields; every method returns *this so a file reads as one expression.
class RawGguf {
 public:
  RawGguf& u8(std::uint8_t v) { return little_endian(v, 1); }
  RawGguf& u32(std::uint32_t v) { return little_endian(v, 4); }
  RawGguf& u64(std::uint64_t v) { return little_endian(v, 8); }
  RawGguf& raw(std::string_view text);
  RawGguf& str(std::string_view text) { return u64(text.size()).raw(text); }
  RawGguf& zeros(std::size_t n);
  RawGguf& pad(std::uint64_t alignment);

  // Magic, version and the two counts.
  RawGguf& header(std::uint64_t n_tensors, std::uint64_t n_kv, std::uint32_t version = 3);
  RawGguf& kv_u32(std::string_view key, std::uint32_t v) { return str(key).u32(4).u32(v); }
  RawGguf& kv_str(std::string_view key, std::string_view v) { return str(key).u32(8).str(v); }
  RawGguf& tensor(std::string_view name, std::initializer_list<std::uint64_t> shape,
                  std::uint32_t type, std::uint64_t offset);

  const Bytes& bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }

 private:
  RawGguf& little_endian(std::uint64_t v, unsigned n);
  Bytes bytes_;
};

inline constexpr std::string_view kTestName = "test.gguf";

Result<GgufFile> parse(const Bytes& bytes);

// Deterministic, position-dependent bytes that differ between seeds.
Bytes pattern(std::size_t n, std::uint32_t seed);

Bytes read_bytes(const std::filesystem::path& path);

// Writes `writer` into a fresh temporary directory and returns the file's bytes.
Bytes write_to_bytes(const GgufWriter& writer);

// Parse must fail and the message must name the test file and contain each of `parts`.
void expect_error(const Bytes& bytes, std::initializer_list<std::string_view> parts);

}  // namespace memwall::gguf::testing
