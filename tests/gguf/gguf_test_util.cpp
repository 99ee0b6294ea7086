#include "gguf_test_util.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "support/subprocess.hpp"

namespace memwall::gguf::testing {

RawGguf& RawGguf::little_endian(std::uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) bytes_.push_back(static_cast<std::byte>(v >> (8 * i)));
  return *this;
}

RawGguf& RawGguf::raw(std::string_view text) {
  for (char c : text) bytes_.push_back(static_cast<std::byte>(c));
  return *this;
}

RawGguf& RawGguf::zeros(std::size_t n) {
  bytes_.insert(bytes_.end(), n, std::byte{0});
  return *this;
}

RawGguf& RawGguf::pad(std::uint64_t alignment) {
  while (bytes_.size() % alignment != 0) bytes_.push_back(std::byte{0});
  return *this;
}

RawGguf& RawGguf::header(std::uint64_t n_tensors, std::uint64_t n_kv, std::uint32_t version) {
  return raw("GGUF").u32(version).u64(n_tensors).u64(n_kv);
}

RawGguf& RawGguf::tensor(std::string_view name, std::initializer_list<std::uint64_t> shape,
                         std::uint32_t type, std::uint64_t offset) {
  str(name).u32(static_cast<std::uint32_t>(shape.size()));
  for (std::uint64_t dim : shape) u64(dim);
  return u32(type).u64(offset);
}

Result<GgufFile> parse(const Bytes& bytes) {
  return GgufFile::parse(bytes, std::string(kTestName));
}

Bytes pattern(std::size_t n, std::uint32_t seed) {
  Bytes out(n);
  std::uint32_t state = seed * 2654435761u + 1;
  for (std::byte& b : out) {
    state = state * 1664525u + 1013904223u;  // an LCG: fixed, fast, and enough for test data
    b = static_cast<std::byte>(state >> 24);
  }
  return out;
}

Bytes read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> chars((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  Bytes out(chars.size());
  for (std::size_t i = 0; i < chars.size(); ++i) out[i] = static_cast<std::byte>(chars[i]);
  return out;
}

Bytes write_to_bytes(const GgufWriter& writer) {
  const std::filesystem::path dir = memwall::testing::make_temp_dir("gguf");
  const std::filesystem::path path = dir / "out.gguf";
  const Status written = writer.write(path);
  EXPECT_TRUE(written.ok()) << written.error().message;
  Bytes bytes = read_bytes(path);
  std::filesystem::remove_all(dir);
  return bytes;
}

void expect_error(const Bytes& bytes, std::initializer_list<std::string_view> parts) {
  const Result<GgufFile> file = parse(bytes);
  ASSERT_FALSE(file.ok()) << "parsed although it should not";
  const std::string& message = file.error().message;
  EXPECT_EQ(message.rfind(std::string(kTestName) + ": ", 0), 0u) << message;
  for (std::string_view part : parts) {
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  }
}

}  // namespace memwall::gguf::testing
