// The legacy family's NEON kernels with Armv8.2's dot product (see tables.hpp and legacy_neon.hpp).
// Compiled with -march=armv8.2-a+dotprod alone; called only on CPUs that report dotprod.
#include "legacy_neon.hpp"

namespace memwall::quant::kernels {

std::span<const TypeKernel> legacy_neon_dotprod() { return kLegacyTypes<SdotDot>; }

}  // namespace memwall::quant::kernels
