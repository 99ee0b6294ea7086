#pragma once
// Private to hw/: how a team's members split the elements of a buffer they stream.
#include <cstddef>

namespace memwall::hw {

struct Span {
  std::size_t begin = 0, count = 0;
};

// Member `member`'s contiguous share of n doubles. Shares start on 2 MiB boundaries when the buffer
// is large, so each huge page is first touched (and so placed) by the one thread that streams it.
inline Span share_of(std::size_t n, unsigned members, unsigned member) {
  const std::size_t huge_page_elements = (2u << 20) / sizeof(double);
  const std::size_t align = n / members >= 4 * huge_page_elements ? huge_page_elements : 8;
  const std::size_t per = n / members / align * align;
  const std::size_t begin = per * member;
  return {begin, member + 1 == members ? n - begin : per};
}

}  // namespace memwall::hw
