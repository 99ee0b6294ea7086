#include "memwall/hw/bandwidth_kernels.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <numeric>
#include <vector>

namespace memwall::hw {
namespace {

// Every table this CPU can run, on odd sizes and offsets (unaligned heads, ragged tails).
class BandwidthKernelsTest : public ::testing::TestWithParam<const BandwidthKernels*> {};

constexpr std::size_t kSizes[] = {0, 1, 7, 31, 64, 100, 1001, 4099};

TEST_P(BandwidthKernelsTest, ReadSumsEveryElement) {
  for (std::size_t n : kSizes) {
    for (std::size_t offset : {0, 1, 3}) {
      std::vector<double> a(n + offset);
      std::iota(a.begin(), a.end(), 1.0);
      const double expected = std::accumulate(a.begin() + offset, a.end(), 0.0);
      EXPECT_DOUBLE_EQ(GetParam()->read(a.data() + offset, n), expected) << n << "+" << offset;
    }
  }
}

TEST_P(BandwidthKernelsTest, WritesFillExactlyTheRange) {
  for (auto write : {GetParam()->write, GetParam()->write_nt}) {
    for (std::size_t n : kSizes) {
      for (std::size_t offset : {0, 1, 5}) {
        std::vector<double> a(n + offset + 1, -1.0);
        write(a.data() + offset, n, 2.5);
        for (std::size_t i = 0; i < a.size(); ++i) {
          const bool inside = i >= offset && i < offset + n;
          ASSERT_EQ(a[i], inside ? 2.5 : -1.0) << "n=" << n << " i=" << i;
        }
      }
    }
  }
}

TEST_P(BandwidthKernelsTest, CopyAndTriadMatchTheirDefinition) {
  for (std::size_t n : kSizes) {
    std::vector<double> a(n + 1, -1.0), b(n + 1), c(n + 1);
    std::iota(b.begin(), b.end(), 0.5);
    std::iota(c.begin(), c.end(), -3.0);
    GetParam()->copy(a.data() + 1, b.data() + 1, n);
    for (std::size_t i = 1; i <= n; ++i) ASSERT_EQ(a[i], b[i]);
    EXPECT_EQ(a[0], -1.0);
    GetParam()->triad(a.data() + 1, b.data() + 1, c.data() + 1, 3.0, n);
    for (std::size_t i = 1; i <= n; ++i) ASSERT_DOUBLE_EQ(a[i], b[i] + 3.0 * c[i]);
    EXPECT_EQ(a[0], -1.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Runnable, BandwidthKernelsTest,
                         ::testing::ValuesIn(runnable_bandwidth_kernels(detect_cpu().isa)),
                         [](const auto& p) {
                           std::string name(p.param->isa);  // "avx512+prefetch" -> "avx512_prefetch"
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

}  // namespace
}  // namespace memwall::hw
