#pragma once
#include <cstddef>

#include "memwall/util/result.hpp"

namespace memwall {

// An anonymous mapping, 2 MiB aligned, with transparent huge pages requested where the kernel
// offers them. Pages are not touched here: whoever writes a page first decides its NUMA node.
class HugeBuffer {
 public:
  static Result<HugeBuffer> allocate(std::size_t bytes);
  HugeBuffer() = default;
  HugeBuffer(HugeBuffer&& other) noexcept;
  HugeBuffer& operator=(HugeBuffer&& other) noexcept;
  HugeBuffer(const HugeBuffer&) = delete;
  HugeBuffer& operator=(const HugeBuffer&) = delete;
  ~HugeBuffer();

  // Writes zeros over every page now, so that no later write (a decode step's) pays a page fault.
  void touch();

  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  bool huge_pages_requested() const { return huge_pages_requested_; }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
  bool huge_pages_requested_ = false;
};

}  // namespace memwall
