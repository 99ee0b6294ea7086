// The plain family's NEON kernels with Armv8.2's dot product (see tables.hpp and matmul_neon.hpp).
// Compiled with -march=armv8.2-a+dotprod alone; called only on CPUs that report dotprod.
#include "matmul_neon.hpp"

namespace memwall::quant::kernels {

std::span<const TypeKernel> plain_neon_dotprod() { return kPlainTypes<SdotDot>; }

}  // namespace memwall::quant::kernels
