#pragma once
// Private to hw/: per-ISA peak kernels, each defined in a file compiled with that ISA's flags.
#include "memwall/hw/compute_kernels.hpp"

// Makes the compiler forget what it knows about `reg`, so a product of loop-invariant operands is
// recomputed every time instead of hoisted; it emits no instruction.
#define MEMWALL_OPAQUE(reg) __asm__ volatile("" : "+x"(reg))

namespace memwall::hw {

// Accumulator count for the peak loops: at least FMA latency (4) x FMA ports (2) independent
// chains keep every port busy; 12 leaves registers for the operands even with 16 vector registers.
inline constexpr int kPeakChains = 12;

#if defined(__x86_64__)
PeakKernel avx2_f32_kernel();
PeakKernel avx512_f32_kernel();
PeakKernel avx2_int8_kernel();
PeakKernel avx_vnni_int8_kernel();
PeakKernel avx512_vnni_int8_kernel();
#elif defined(__aarch64__)
PeakKernel neon_f32_kernel();
PeakKernel neon_dotprod_int8_kernel();
#endif

}  // namespace memwall::hw
