#pragma once
// A file written under a temporary name beside its target (<path>.tmp.<pid>) and renamed over the
// target only by commit(): a failed or interrupted write never leaves a partial file at the target,
// and the temporary is removed on every path that does not commit.
#include <cstddef>
#include <filesystem>
#include <span>

#include "memwall/util/result.hpp"

namespace memwall::gguf::detail {

class OutputFile {
 public:
  // Errors name the target path.
  static Result<OutputFile> create(const std::filesystem::path& target);

  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  const std::filesystem::path& target() const { return target_; }
  Status write(std::span<const std::byte> bytes);
  // Flushes the data to disk, renames it into place and syncs the directory, so after success a
  // crash leaves either the old file or the whole new one.
  Status commit();

 private:
  OutputFile(std::filesystem::path target, std::filesystem::path temporary, int fd);
  void discard();

  std::filesystem::path target_;
  std::filesystem::path temporary_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace memwall::gguf::detail
