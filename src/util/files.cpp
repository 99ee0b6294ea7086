#include "memwall/util/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace memwall {
namespace {

Status write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return make_error("{}: {}", path.string(), std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return {};
}

// A device, FIFO or socket (/dev/stdout, /dev/null, a pipe) is written in place: renaming a regular
// file over it would replace the device node itself.
Status write_in_place(const std::filesystem::path& path, std::string_view content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return make_error("{}: cannot write: {}", path.string(), std::strerror(errno));
  Status status = write_all(fd, content, path);
  ::close(fd);
  return status;
}

}  // namespace

Status write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  std::error_code ec;
  const std::filesystem::file_status existing = std::filesystem::status(path, ec);
  if (std::filesystem::exists(existing) && !std::filesystem::is_regular_file(existing)) {
    if (std::filesystem::is_directory(existing)) {
      return make_error("{}: is a directory", path.string());
    }
    return write_in_place(path, content);
  }
  const std::filesystem::path tmp =
      path.string() + ".tmp." + std::to_string(static_cast<long>(::getpid()));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return make_error("{}: cannot write: {}", path.string(), std::strerror(errno));
  Status status = write_all(fd, content, path);
  if (status.ok() && ::fsync(fd) != 0) {
    status = make_error("{}: {}", path.string(), std::strerror(errno));
  }
  ::close(fd);
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = make_error("{}: cannot rename into place: {}", path.string(), std::strerror(errno));
  }
  if (!status.ok()) ::unlink(tmp.c_str());
  return status;
}

Status append_line(const std::filesystem::path& path, std::string_view line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return make_error("{}: cannot open for append: {}", path.string(), std::strerror(errno));
  std::string buffer(line);
  buffer.push_back('\n');
  Status status = write_all(fd, buffer, path);
  if (status.ok() && ::fsync(fd) != 0) {
    status = make_error("{}: {}", path.string(), std::strerror(errno));
  }
  ::close(fd);
  return status;
}

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("{}: cannot open: {}", path.string(), std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return make_error("{}: read error", path.string());
  return content.str();
}

std::filesystem::path cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "memwall";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".cache" / "memwall";
  }
  return std::filesystem::temp_directory_path() / "memwall-cache";
}

}  // namespace memwall
