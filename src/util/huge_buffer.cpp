#include "memwall/util/huge_buffer.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace memwall {
namespace {
constexpr std::size_t kHugePage = 2u << 20;
}

Result<HugeBuffer> HugeBuffer::allocate(std::size_t bytes) {
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  // Over-map by one huge page so the start can be aligned to it, then give the slack back.
  void* raw = ::mmap(nullptr, rounded + kHugePage, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) {
    return make_error("cannot map {} bytes: {}", rounded, std::strerror(errno));
  }
  auto* base = static_cast<char*>(raw);
  const std::size_t misalign = reinterpret_cast<std::uintptr_t>(base) % kHugePage;
  const std::size_t head = misalign ? kHugePage - misalign : 0;
  if (head) ::munmap(base, head);
  if (kHugePage - head) ::munmap(base + head + rounded, kHugePage - head);
  HugeBuffer buffer;
  buffer.data_ = base + head;
  buffer.bytes_ = rounded;
#if defined(MADV_HUGEPAGE)
  buffer.huge_pages_requested_ = ::madvise(buffer.data_, rounded, MADV_HUGEPAGE) == 0;
#endif
  return buffer;
}

void HugeBuffer::touch() {
  if (data_) std::memset(data_, 0, bytes_);
}

HugeBuffer::HugeBuffer(HugeBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      bytes_(std::exchange(other.bytes_, 0)),
      huge_pages_requested_(other.huge_pages_requested_) {}

HugeBuffer& HugeBuffer::operator=(HugeBuffer&& other) noexcept {
  if (this != &other) {
    if (data_) ::munmap(data_, bytes_);
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    huge_pages_requested_ = other.huge_pages_requested_;
  }
  return *this;
}

HugeBuffer::~HugeBuffer() {
  if (data_) ::munmap(data_, bytes_);
}

}  // namespace memwall
