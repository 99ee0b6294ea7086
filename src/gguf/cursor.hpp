#pragma once
// A bounds-checked little-endian reader over a GGUF file's bytes. Every read checks the bytes left
// first, so no declared length can carry a read past the end; messages say what was being read
// and where, and callers prefix the key or tensor.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "memwall/util/result.hpp"

namespace memwall::gguf::detail {

class Cursor {
 public:
  explicit Cursor(std::span<const std::byte> bytes) : bytes_(bytes) {}

  std::uint64_t position() const { return position_; }
  std::uint64_t remaining() const { return bytes_.size() - position_; }

  // An unsigned or signed integer, or a float/double, stored little-endian.
  template <typename T>
  Result<T> read(std::string_view what) {
    static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>);
    using Bits = std::make_unsigned_t<
        std::conditional_t<std::is_floating_point_v<T>,
                           std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>, T>>;
    if (Status ok = require(sizeof(T), what); !ok.ok()) return ok.error();
    // Assembled byte by byte so the result is right on a host of either byte order.
    Bits bits = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      bits |= static_cast<Bits>(static_cast<Bits>(bytes_[position_ + i]) << (8 * i));
    }
    position_ += sizeof(T);
    return std::bit_cast<T>(bits);
  }

  // A GGUF string: uint64 length, then that many bytes (no terminator). The view points into the
  // file's bytes.
  Result<std::string_view> read_string(std::string_view what) {
    Result<std::uint64_t> length = read<std::uint64_t>(what);
    if (!length.ok()) return length.error();
    if (*length > remaining()) {
      return make_error("{} length {} exceeds the file ({} bytes left at byte {})", what, *length,
                        remaining(), position_);
    }
    const auto* first = reinterpret_cast<const char*>(bytes_.data() + position_);
    position_ += *length;
    return std::string_view(first, static_cast<std::size_t>(*length));
  }

 private:
  Status require(std::uint64_t n, std::string_view what) const {
    if (n <= remaining()) return {};
    return make_error("file ends while reading {} at byte {} ({} bytes needed, {} left)", what,
                      position_, n, remaining());
  }

  std::span<const std::byte> bytes_;
  std::uint64_t position_ = 0;
};

}  // namespace memwall::gguf::detail
