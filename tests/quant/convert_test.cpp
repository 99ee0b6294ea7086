#include "memwall/quant/convert.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "memwall/quant/half.hpp"
#include "memwall/quant/reference.hpp"
#include "memwall/quant/types.hpp"
#include "test_data.hpp"

namespace memwall::quant {
namespace {

using T = TensorType;
using ::testing::HasSubstr;

std::vector<std::byte> as_bytes(const std::vector<float>& x) {
  std::vector<std::byte> b(x.size() * sizeof(float));
  std::memcpy(b.data(), x.data(), b.size());
  return b;
}

std::vector<std::byte> convert(T from, const std::vector<std::byte>& src, T to, std::int64_t rows,
                               std::int64_t n_per_row, unsigned threads) {
  std::vector<std::byte> dst(bytes_for(to, static_cast<std::uint64_t>(rows * n_per_row)));
  const Status s = convert_rows(from, src, to, dst, rows, n_per_row, threads);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return dst;
}

// 37 rows: not a multiple of any thread count tried.
constexpr std::int64_t kRows = 37, kPerRow = 512;

TEST(ConvertRows, ThreadCountDoesNotChangeTheBytes) {
  const auto src = as_bytes(testing::normal_data(kRows, kPerRow, 1));
  for (T to : {T::Q4_K, T::Q6_K, T::Q4_0, T::F16}) {
    const auto one = convert(T::F32, src, to, kRows, kPerRow, 1);
    for (unsigned threads : {2u, 4u, 0u}) {
      EXPECT_EQ(one, convert(T::F32, src, to, kRows, kPerRow, threads))
          << type_info(to).name << " on " << threads << " threads";
    }
  }
}

TEST(ConvertRows, F16SourceEqualsF32SourceOfTheSameValues) {
  auto x = testing::normal_data(kRows, kPerRow, 2);
  std::vector<std::byte> f16(x.size() * 2);
  reference_fns(T::F16)->quantize_row(x.data(), f16.data(), static_cast<std::int64_t>(x.size()));
  reference_fns(T::F16)->dequantize_row(f16.data(), x.data(), static_cast<std::int64_t>(x.size()));
  EXPECT_EQ(convert(T::F16, f16, T::Q4_K, kRows, kPerRow, 4),
            convert(T::F32, as_bytes(x), T::Q4_K, kRows, kPerRow, 1));
}

TEST(ConvertRows, QuantizedToF32IsTheDequantizedRows) {
  const auto x = testing::normal_data(kRows, kPerRow, 3);
  const auto q5k = convert(T::F32, as_bytes(x), T::Q5_K, kRows, kPerRow, 2);
  std::vector<float> expected(x.size());
  for (std::int64_t r = 0; r < kRows; ++r) {
    reference_fns(T::Q5_K)->dequantize_row(q5k.data() + r * bytes_for(T::Q5_K, kPerRow),
                                           expected.data() + r * kPerRow, kPerRow);
  }
  EXPECT_EQ(convert(T::Q5_K, q5k, T::F32, kRows, kPerRow, 3), as_bytes(expected));
}

TEST(ConvertRows, SpansAtAnyByteOffset) {
  const auto x = testing::normal_data(kRows, kPerRow, 4);
  const auto aligned = convert(T::F32, as_bytes(x), T::Q3_K, kRows, kPerRow, 2);
  std::vector<std::byte> src(x.size() * 4 + 1), dst(aligned.size() + 3);
  std::memcpy(src.data() + 1, x.data(), x.size() * 4);
  const Status s = convert_rows(T::F32, std::span(src).subspan(1), T::Q3_K,
                                std::span(dst).subspan(3), kRows, kPerRow, 2);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(std::memcmp(dst.data() + 3, aligned.data(), aligned.size()), 0);
}

TEST(ConvertRows, ProgressIsSerializedAndReachesEveryRow) {
  const auto src = as_bytes(testing::normal_data(kRows, 256, 5));
  std::vector<std::byte> dst(bytes_for(T::Q2_K, kRows * 256));
  std::atomic<bool> inside{false};
  std::vector<std::int64_t> seen;
  const Status s = convert_rows(T::F32, src, T::Q2_K, dst, kRows, 256, 4, [&](std::int64_t done) {
    EXPECT_FALSE(inside.exchange(true)) << "progress called concurrently";
    seen.push_back(done);
    inside = false;
  });
  ASSERT_TRUE(s.ok());
  ASSERT_FALSE(seen.empty());
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_LT(seen[i - 1], seen[i]);
  EXPECT_EQ(seen.back(), kRows);
}

Status convert_status(T from, std::size_t src_bytes, T to, std::size_t dst_bytes, std::int64_t rows,
                      std::int64_t n_per_row) {
  std::vector<std::byte> src(src_bytes), dst(dst_bytes);
  return convert_rows(from, src, to, dst, rows, n_per_row, 1);
}

TEST(ConvertRows, Errors) {
  // An unsupported type, on either side.
  Status s = convert_status(T::IQ2_XXS, 1 << 16, T::F32, 1 << 16, 1, 256);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("IQ2_XXS is not supported"));
  s = convert_status(T::F32, 1 << 16, T::TQ1_0, 1 << 16, 1, 256);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("TQ1_0 is not supported"));
  // An id no GGUF type has.
  s = convert_status(static_cast<T>(4), 1 << 16, T::F32, 1 << 16, 1, 256);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("type id 4"));
  // n_per_row not a multiple of a block size: of the destination, then of the source.
  s = convert_status(T::F32, 1 << 16, T::Q4_K, 1 << 16, 1, 96);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("96 weights per row is not a multiple of the Q4_K"));
  s = convert_status(T::Q8_0, 1 << 16, T::F32, 1 << 16, 1, 48);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("not a multiple of the Q8_0 block size (32)"));
  // Spans too small by one byte.
  s = convert_status(T::F32, 2 * 256 * 4 - 1, T::Q4_K, 2 * 144, 2, 256);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("source holds 2047 bytes, but 2 rows of F32 need 2048"));
  s = convert_status(T::F32, 2 * 256 * 4, T::Q4_K, 2 * 144 - 1, 2, 256);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("destination holds 287 bytes"));
  // Bad shapes.
  EXPECT_FALSE(convert_status(T::F32, 1024, T::F16, 1024, -1, 32).ok());
  EXPECT_FALSE(convert_status(T::F32, 1024, T::F16, 1024, 1, 0).ok());
  // Rows too long to address.
  s = convert_status(T::F32, 1024, T::Q8_K, 1024, 1, std::int64_t{1} << 62);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("overflow the address space"));
  // Overlapping spans.
  std::vector<std::byte> buffer(4096);
  s = convert_rows(T::F32, std::span(buffer).first(2048), T::F16, std::span(buffer).subspan(1024),
                   1, 512);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("overlap"));
}

TEST(ConvertRows, ZeroRowsIsANoOp) {
  std::vector<std::byte> none;
  EXPECT_TRUE(convert_rows(T::F32, none, T::Q4_K, none, 0, 256, 4).ok());
}

}  // namespace
}  // namespace memwall::quant
