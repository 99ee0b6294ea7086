#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "memwall/hw/cpu.hpp"

namespace memwall::hw {

// A register-resident loop that keeps the arithmetic units busy without touching memory. run()
// returns a value that depends on every operation, so the loop cannot be optimised away.
struct PeakKernel {
  std::string_view name;  // "f32-fma" or "int8-dot"
  std::string_view isa;   // instruction used: "avx512", "avx2", "avx512-vnni", "neon-sdot", ...
  double ops_per_iteration;  // one fused multiply-add = 2 ops
  double (*run)(std::uint64_t iterations, float seed);
};

// Every f32 FMA / int8 dot-product kernel this CPU can run, best first; the last is scalar.
std::vector<PeakKernel> runnable_f32_kernels(const IsaFeatures& isa);
std::vector<PeakKernel> runnable_int8_kernels(const IsaFeatures& isa);

}  // namespace memwall::hw
