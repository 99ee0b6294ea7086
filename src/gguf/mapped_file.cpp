#include "mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace memwall::gguf::detail {
namespace {

// Closes the descriptor on every path out: the mapping stays valid after close(2).
struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<MappedFile> map_readonly(const std::filesystem::path& path) {
  const FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return make_error("{}: cannot open: {}", path.string(), std::strerror(errno));
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) {
    return make_error("{}: cannot stat: {}", path.string(), std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) return make_error("{}: not a regular file", path.string());
  const auto size = static_cast<std::size_t>(info.st_size);
  if (size == 0) return MappedFile{};
  // MAP_PRIVATE and PROT_READ: the weights are only read, and pages stay shared with the page
  // cache. A file truncated by someone else while mapped would still fault (SIGBUS) on access;
  // no reader can check that away.
  void* base = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, file.fd, 0);
  if (base == MAP_FAILED) {
    return make_error("{}: cannot map {} bytes: {}", path.string(), size, std::strerror(errno));
  }
  std::shared_ptr<const void> owner(
      base, [size](const void* p) { ::munmap(const_cast<void*>(p), size); });
  return MappedFile{std::move(owner), {static_cast<const std::byte*>(base), size}};
}

void release_pages(std::span<const std::byte> bytes) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<std::uintptr_t>(bytes.data()) + page - 1) / page * page;
  const auto end = (reinterpret_cast<std::uintptr_t>(bytes.data()) + bytes.size()) / page * page;
  // Advice only: on failure the pages stay resident, which costs memory and breaks nothing.
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace memwall::gguf::detail
