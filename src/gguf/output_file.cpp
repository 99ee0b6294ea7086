#include "output_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace memwall::gguf::detail {

Result<OutputFile> OutputFile::create(const std::filesystem::path& target) {
  std::error_code ec;
  if (std::filesystem::is_directory(target, ec)) {
    return make_error("{}: is a directory", target.string());
  }
  std::filesystem::path temporary = target;
  temporary += ".tmp." + std::to_string(static_cast<long>(::getpid()));
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error("{}: cannot create {}: {}", target.string(), temporary.string(),
                      std::strerror(errno));
  }
  return OutputFile(target, std::move(temporary), fd);
}

OutputFile::OutputFile(std::filesystem::path target, std::filesystem::path temporary, int fd)
    : target_(std::move(target)), temporary_(std::move(temporary)), fd_(fd) {}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : target_(std::move(other.target_)),
      temporary_(std::move(other.temporary_)),
      fd_(std::exchange(other.fd_, -1)),
      committed_(std::exchange(other.committed_, true)) {}

OutputFile::~OutputFile() { discard(); }

void OutputFile::discard() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  if (!committed_) {
    ::unlink(temporary_.c_str());
    committed_ = true;  // nothing left to remove
  }
}

Status OutputFile::write(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return make_error("{}: write failed: {}", target_.string(), std::strerror(errno));
    }
    if (written == 0) return make_error("{}: write made no progress", target_.string());
    bytes = bytes.subspan(static_cast<std::size_t>(written));
  }
  return {};
}

Status OutputFile::commit() {
  if (::fsync(fd_) != 0) {
    return make_error("{}: cannot flush to disk: {}", target_.string(), std::strerror(errno));
  }
  const int closed = ::close(std::exchange(fd_, -1));
  if (closed != 0)
    return make_error("{}: close failed: {}", target_.string(), std::strerror(errno));
  if (::rename(temporary_.c_str(), target_.c_str()) != 0) {
    return make_error("{}: cannot rename into place: {}", target_.string(), std::strerror(errno));
  }
  committed_ = true;
  // The rename is durable only once the directory entry is on disk too.
  std::filesystem::path directory = target_.parent_path();
  if (directory.empty()) directory = ".";
  if (const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

}  // namespace memwall::gguf::detail
