// GgufWriter: validation, failure paths that must leave nothing behind, streaming and progress.
#include "memwall/gguf/writer.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

#include "gguf_test_util.hpp"
#include "memwall/util/units.hpp"
#include "support/subprocess.hpp"

namespace memwall::gguf {
namespace {

using T = quant::TensorType;
using testing::Bytes;

class GgufWriterTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = memwall::testing::make_temp_dir("gguf-writer"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::size_t entries() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++n;
    return n;
  }

  std::filesystem::path dir_;
};

Value u32(std::uint32_t v) { return Value{Value::Storage(std::in_place_type<std::uint32_t>, v)}; }

bool contains(const Status& s, std::string_view part) {
  return !s.ok() && s.error().message.find(part) != std::string::npos;
}

TEST_F(GgufWriterTest, FailingFillerLeavesNoFileAndKeepsTheOldOne) {
  const std::filesystem::path path = dir_ / "model.gguf";
  { std::ofstream(path) << "old"; }
  GgufWriter writer;
  const Bytes ok_data = testing::pattern(64, 1);
  ASSERT_TRUE(writer.add_tensor("a", {16}, T::F32, ok_data).ok());
  ASSERT_TRUE(writer
                  .add_tensor("b", {32}, T::Q8_0,
                              [](std::uint64_t, std::span<std::byte>) -> Status {
                                return make_error("quantizer ran out of patience");
                              })
                  .ok());
  const Status s = writer.write(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, path.string() + ": tensor b: quantizer ran out of patience");
  EXPECT_EQ(entries(), 1u);  // no temporary left
  EXPECT_EQ(testing::read_bytes(path).size(), 3u);
}

TEST_F(GgufWriterTest, FailingFillerOnANewPathLeavesNothing) {
  GgufWriter writer;
  ASSERT_TRUE(writer
                  .add_tensor("w", {4}, T::F32,
                              [](std::uint64_t, std::span<std::byte>) -> Status {
                                return make_error("no");
                              })
                  .ok());
  EXPECT_FALSE(writer.write(dir_ / "model.gguf").ok());
  EXPECT_EQ(entries(), 0u);
}

TEST_F(GgufWriterTest, WritesUnderATemporaryNameThenRenames) {
  const std::filesystem::path path = dir_ / "model.gguf";
  const std::filesystem::path temporary = path.string() + ".tmp." + std::to_string(::getpid());
  bool seen_temporary = false, seen_final = true;
  GgufWriter writer;
  ASSERT_TRUE(writer
                  .add_tensor("w", {4}, T::F32,
                              [&](std::uint64_t, std::span<std::byte> out) -> Status {
                                seen_temporary = std::filesystem::exists(temporary);
                                seen_final = std::filesystem::exists(path);
                                std::fill(out.begin(), out.end(), std::byte{1});
                                return {};
                              })
                  .ok());
  ASSERT_TRUE(writer.write(path).ok());
  EXPECT_TRUE(seen_temporary);
  EXPECT_FALSE(seen_final);
  EXPECT_FALSE(std::filesystem::exists(temporary));
  EXPECT_TRUE(GgufFile::open(path).ok());
}

TEST_F(GgufWriterTest, UnwritableLocationsNameThePath) {
  GgufWriter writer;
  writer.set("k", make_string("v"));
  const Status missing = writer.write("/nonexistent-memwall-dir/x/model.gguf");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(
      missing.error().message.rfind("/nonexistent-memwall-dir/x/model.gguf: cannot create", 0), 0u)
      << missing.error().message;
  // Root ignores permission bits, so "unwritable" is made with a regular file as the parent.
  { std::ofstream(dir_ / "plain") << "x"; }
  const std::filesystem::path under_file = dir_ / "plain" / "model.gguf";
  const Status not_dir = writer.write(under_file);
  ASSERT_FALSE(not_dir.ok());
  EXPECT_NE(not_dir.error().message.find(under_file.string()), std::string::npos);
  EXPECT_TRUE(contains(writer.write(dir_), "is a directory"));
  EXPECT_EQ(entries(), 1u);
}

// A full disk, made deterministic: a file-size limit makes write(2) fail with EFBIG.
TEST_F(GgufWriterTest, WriteErrorLeavesNoTemporary) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit limited = saved;
  limited.rlim_cur = 64 * 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limited), 0);
  GgufWriter writer;
  const Bytes data = testing::pattern(1 << 20, 3);
  ASSERT_TRUE(writer.add_tensor("w", {1 << 18}, T::F32, data).ok());
  const Status s = writer.write(dir_ / "model.gguf");
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("write failed"), std::string::npos) << s.error().message;
  EXPECT_EQ(entries(), 0u);
}

TEST(GgufWriterValidation, AddTensorRefusesBadNamesAndShapes) {
  GgufWriter writer;
  const auto fill = [](std::uint64_t, std::span<std::byte>) -> Status { return {}; };
  ASSERT_TRUE(writer.add_tensor("w", {32, 2}, T::Q4_0, fill).ok());
  EXPECT_TRUE(contains(writer.add_tensor("w", {32}, T::F32, fill), "tensor w: added twice"));
  EXPECT_TRUE(contains(writer.add_tensor("", {32}, T::F32, fill), "a tensor name is empty"));
  EXPECT_TRUE(contains(writer.add_tensor(std::string(64, 'x'), {32}, T::F32, fill),
                       "longer than ggml's limit of 63"));
  EXPECT_TRUE(contains(writer.add_tensor("v", {}, T::F32, fill), "tensor v: 0 dimensions"));
  EXPECT_TRUE(
      contains(writer.add_tensor("v", {1, 1, 1, 1, 1}, T::F32, fill), "tensor v: 5 dimensions"));
  EXPECT_TRUE(contains(writer.add_tensor("v", {32, 0}, T::F32, fill),
                       "tensor v: dimension 1 of shape [32, 0] is 0"));
  EXPECT_TRUE(contains(writer.add_tensor("v", {100, 2}, T::Q4_K, fill),
                       "tensor v: row length 100 is not a multiple of Q4_K's block size 256"));
  EXPECT_TRUE(
      contains(writer.add_tensor("v", {1ull << 40, 1ull << 40}, T::F32, fill), "overflows"));
  EXPECT_TRUE(contains(writer.add_tensor("v", {32}, T::F32, GgufWriter::Filler{}),
                       "tensor v: no filler given"));
  const Bytes data = testing::pattern(100, 1);
  EXPECT_TRUE(contains(writer.add_tensor("v", {32}, T::Q8_0, data),
                       "tensor v: 100 bytes given, shape [32] of Q8_0 takes 34"));
  EXPECT_EQ(writer.data_bytes(), 64u);  // the one tensor added: 36 bytes of Q4_0, padded to 32
}

TEST(GgufWriterValidation, AlignmentMustBeAPowerOfTwoInU32) {
  const auto fill = [](std::uint64_t, std::span<std::byte>) -> Status { return {}; };
  for (std::uint64_t bad : {std::uint64_t{0}, std::uint64_t{3}, std::uint64_t{1} << 32}) {
    GgufWriter writer(bad);
    EXPECT_TRUE(contains(writer.add_tensor("w", {4}, T::F32, fill), "is not a power of two"))
        << bad;
    EXPECT_TRUE(contains(writer.write("/tmp/memwall-never-written.gguf"), "is not a power of two"));
  }
  EXPECT_FALSE(std::filesystem::exists("/tmp/memwall-never-written.gguf"));
}

TEST_F(GgufWriterTest, MetadataTheReaderWouldRefuseIsNotWritten) {
  const std::filesystem::path path = dir_ / "m.gguf";
  const auto refused = [&](std::string key, Value value, std::string_view part) {
    GgufWriter writer;
    writer.set(std::move(key), std::move(value));
    const Status s = writer.write(path);
    EXPECT_TRUE(contains(s, part)) << (s.ok() ? "written" : s.error().message);
    EXPECT_EQ(s.ok() ? "" : s.error().message.substr(0, path.string().size()), path.string());
  };
  refused("", make_string("x"), "a metadata key is empty");
  refused("bad\xff", make_string("x"), "key bad\\xff: not valid UTF-8");
  refused("mixed", Value{Array{ValueType::i32, {u32(1)}}},
          "key mixed: item 0 is u32 in an array of i32");
  Value deep = make_string_array({"x"});
  for (int i = 0; i < 8; ++i) deep = Value{Array{ValueType::array, {deep}}};
  refused("deep", deep, "key deep: item 0: ");
  refused("general.alignment", u32(64), "key general.alignment: must be the writer's alignment 32");
  refused("general.alignment", make_string("32"), "key general.alignment: must be");
  EXPECT_EQ(entries(), 0u);
}

TEST_F(GgufWriterTest, AlignmentKeyIsWrittenOnce) {
  GgufWriter writer(64);
  writer.set("general.alignment", u32(64));
  writer.set("general.name", make_string("x"));
  ASSERT_TRUE(writer.write(dir_ / "a.gguf").ok());
  const Result<GgufFile> file = GgufFile::open(dir_ / "a.gguf");
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->metadata().size(), 2u);
  EXPECT_EQ(file->alignment(), 64u);
}

// Tensors back to back at aligned offsets, as llama.cpp's reader insists.
TEST_F(GgufWriterTest, LayoutIsBackToBackAndPadded) {
  GgufWriter writer(64);
  const auto fill = [](std::uint64_t, std::span<std::byte> out) -> Status {
    std::fill(out.begin(), out.end(), std::byte{7});
    return {};
  };
  ASSERT_TRUE(writer.add_tensor("a", {3}, T::F32, fill).ok());
  ASSERT_TRUE(writer.add_tensor("b", {256, 3}, T::Q6_K, fill).ok());
  ASSERT_TRUE(writer.add_tensor("c", {5}, T::F16, fill).ok());
  ASSERT_TRUE(writer.write(dir_ / "l.gguf").ok());
  const Result<GgufFile> file = GgufFile::open(dir_ / "l.gguf");
  ASSERT_TRUE(file.ok()) << file.error().message;
  const std::vector<TensorInfo>& t = file->tensors();
  EXPECT_EQ(t[0].offset, 0u);
  EXPECT_EQ(t[1].offset, 64u);
  EXPECT_EQ(t[2].offset, 64u + 640u);  // 630 bytes of Q6_K, padded to 640
  EXPECT_EQ(writer.data_bytes(), 64u + 640u + 64u);
  EXPECT_EQ(file->file_size(), file->data_offset() + writer.data_bytes());
  const Bytes bytes = testing::read_bytes(dir_ / "l.gguf");
  for (std::uint64_t i = 12; i < 64; ++i) EXPECT_EQ(bytes[file->data_offset() + i], std::byte{0});
}

// Chunks are whole rows when rows fit the 16 MiB buffer, whole blocks otherwise; in order,
// contiguous, and progress ends at the total.
TEST_F(GgufWriterTest, StreamsInRowAlignedChunksAndReportsProgress) {
  struct Chunk {
    std::uint64_t offset, size;
  };
  std::vector<Chunk> q6_chunks, f32_chunks;
  const auto filler = [](std::vector<Chunk>& log) {
    return [&log](std::uint64_t offset, std::span<std::byte> out) -> Status {
      log.push_back({offset, out.size()});
      for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<std::byte>((offset + i) * 31 >> 3);
      return {};
    };
  };
  GgufWriter writer;
  const std::uint64_t q6_row = 16 * 210;  // 4096 elements of Q6_K
  ASSERT_TRUE(writer.add_tensor("q6", {4096, 5000}, T::Q6_K, filler(q6_chunks)).ok());
  ASSERT_TRUE(writer.add_tensor("long_row", {(17 * kMiB) / 4}, T::F32, filler(f32_chunks)).ok());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> progress;
  ASSERT_TRUE(writer
                  .write(dir_ / "big.gguf",
                         [&](std::uint64_t done, std::uint64_t total) {
                           progress.emplace_back(done, total);
                         })
                  .ok());
  const auto check = [](const std::vector<Chunk>& chunks, std::uint64_t unit, std::uint64_t total) {
    std::uint64_t next = 0;
    for (const Chunk& c : chunks) {
      EXPECT_EQ(c.offset, next);
      EXPECT_LE(c.size, 16 * kMiB);
      if (c.offset + c.size < total) {
        EXPECT_EQ(c.size % unit, 0u);
      }
      next += c.size;
    }
    EXPECT_EQ(next, total);
  };
  check(q6_chunks, q6_row, q6_row * 5000);
  EXPECT_EQ(q6_chunks.size(), 2u);
  check(f32_chunks, 4, 17 * kMiB);
  EXPECT_EQ(f32_chunks.size(), 2u);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().first, writer.data_bytes());
  for (std::size_t i = 1; i < progress.size(); ++i)
    EXPECT_GT(progress[i].first, progress[i - 1].first);
  const Result<GgufFile> file = GgufFile::open(dir_ / "big.gguf");
  ASSERT_TRUE(file.ok()) << file.error().message;
  const std::span<const std::byte> data = file->tensor_data(*file->find_tensor("long_row"));
  for (std::uint64_t i : {std::uint64_t{0}, 16 * kMiB - 1, 16 * kMiB, 17 * kMiB - 1}) {
    EXPECT_EQ(data[i], static_cast<std::byte>(i * 31 >> 3)) << i;
  }
}

}  // namespace
}  // namespace memwall::gguf
