#include "memwall/util/files.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "support/subprocess.hpp"

namespace memwall {
namespace {

TEST(Files, AtomicWriteReplacesWholeFileAndLeavesNoTemporary) {
  const std::filesystem::path dir = testing::make_temp_dir("files");
  const std::filesystem::path path = dir / "record.json";
  ASSERT_TRUE(write_file_atomic(path, "first").ok());
  ASSERT_TRUE(write_file_atomic(path, "second").ok());
  EXPECT_EQ(*read_file(path), "second");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1u);
  std::filesystem::remove_all(dir);
}

TEST(Files, AtomicWriteToMissingDirectoryNamesThePath) {
  const Status s = write_file_atomic("/nonexistent-dir/x/record.json", "data");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("/nonexistent-dir/x/record.json"), std::string::npos);
}

// Renaming a temporary over a FIFO (or /dev/null) would replace the node; it is written in place.
TEST(Files, AtomicWriteToAFifoWritesThroughIt) {
  const std::filesystem::path dir = testing::make_temp_dir("files");
  const std::filesystem::path fifo = dir / "pipe";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = *read_file(fifo); });
  ASSERT_TRUE(write_file_atomic(fifo, "through the pipe").ok());
  reader.join();
  EXPECT_EQ(received, "through the pipe");
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  std::filesystem::remove_all(dir);
}

TEST(Files, AtomicWriteOverADirectoryIsAnError) {
  const std::filesystem::path dir = testing::make_temp_dir("files");
  EXPECT_FALSE(write_file_atomic(dir, "x").ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  std::filesystem::remove_all(dir);
}

TEST(Files, AppendLineAppends) {
  const std::filesystem::path dir = testing::make_temp_dir("files");
  const std::filesystem::path path = dir / "points.jsonl";
  ASSERT_TRUE(append_line(path, "{\"a\":1}").ok());
  ASSERT_TRUE(append_line(path, "{\"a\":2}").ok());
  EXPECT_EQ(*read_file(path), "{\"a\":1}\n{\"a\":2}\n");
  std::filesystem::remove_all(dir);
}

TEST(Files, ReadMissingFileIsAnError) {
  const Result<std::string> r = read_file("/nonexistent-file-memwall");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent-file-memwall"), std::string::npos);
}

TEST(Files, CacheDirFollowsXdg) {
  const char* old = std::getenv("XDG_CACHE_HOME");
  const std::string saved = old ? old : "";
  setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(cache_dir(), std::filesystem::path("/tmp/xdg-test/memwall"));
  if (old) setenv("XDG_CACHE_HOME", saved.c_str(), 1); else unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace memwall
