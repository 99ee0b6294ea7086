// The kquant family's NEON kernels with Armv8.2's dot product (see tables.hpp and kquant_neon.hpp).
// Compiled with -march=armv8.2-a+dotprod alone; called only on CPUs that report dotprod.
#include "kquant_neon.hpp"

namespace memwall::quant::kernels {

std::span<const TypeKernel> kquant_neon_dotprod() { return kKQuantTypes<SdotDot>; }

}  // namespace memwall::quant::kernels
