#pragma once
// Private to quant/: the kernel tables. Each ISA's table is assembled from families, each
// defined in files compiled with that ISA's flags, the first that has a type giving its kernel:
//   prompt  Q8_0, Q4_0 on AMX's tiles, else as avx512vnni (matmul_avx512amx.cpp; empty elsewhere)
//   plain   F32, F16, BF16, Q4_0, Q8_0   (matmul_<isa>.cpp)
//   kquant  Q4_K, Q5_K, Q6_K             (kquant_<isa>.cpp)
//   legacy  Q4_1, Q5_0, Q5_1, Q2_K, Q3_K (legacy_<isa>.cpp)
// A type missing from an ISA's families falls back to the generic kernel.
#include <span>

#include "memwall/quant/matmul.hpp"

namespace memwall::quant::kernels {

const Kernels& generic();
std::span<const TypeKernel> plain_generic();
std::span<const TypeKernel> kquant_generic();
std::span<const TypeKernel> legacy_generic();
void quantize_generic(ActivationKind kind, const float* x, std::int64_t n_rows, std::int64_t cols,
                      std::int8_t* q, float* d, std::int32_t* sums16);

#if defined(__x86_64__)
const Kernels& avx2();
const Kernels& avx512bw();
const Kernels& avx512vnni();
const Kernels& avx512amx();
std::span<const TypeKernel> plain_avx2();
std::span<const TypeKernel> kquant_avx2();
std::span<const TypeKernel> legacy_avx2();
std::span<const TypeKernel> plain_avx512bw();
std::span<const TypeKernel> kquant_avx512bw();
std::span<const TypeKernel> legacy_avx512bw();
std::span<const TypeKernel> plain_avx512vnni();
std::span<const TypeKernel> kquant_avx512vnni();
std::span<const TypeKernel> legacy_avx512vnni();
std::span<const TypeKernel> prompt_avx512amx();
void quantize_avx2(ActivationKind kind, const float* x, std::int64_t n_rows, std::int64_t cols,
                   std::int8_t* q, float* d, std::int32_t* sums16);
void quantize_avx512(ActivationKind kind, const float* x, std::int64_t n_rows, std::int64_t cols,
                     std::int8_t* q, float* d, std::int32_t* sums16);
#elif defined(__aarch64__)
const Kernels& neon();
const Kernels& neon_dotprod();
std::span<const TypeKernel> plain_neon();
std::span<const TypeKernel> kquant_neon();
std::span<const TypeKernel> legacy_neon();
std::span<const TypeKernel> plain_neon_dotprod();
std::span<const TypeKernel> kquant_neon_dotprod();
std::span<const TypeKernel> legacy_neon_dotprod();
// Both NEON tables quantize with the Armv8.0 code: the dot product plays no part in it.
void quantize_neon(ActivationKind kind, const float* x, std::int64_t n_rows, std::int64_t cols,
                   std::int8_t* q, float* d, std::int32_t* sums16);
#endif

}  // namespace memwall::quant::kernels
