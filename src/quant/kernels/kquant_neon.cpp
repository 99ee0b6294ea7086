// The kquant family's NEON kernels for Armv8.0 (see tables.hpp and kquant_neon.hpp).
#include "kquant_neon.hpp"

namespace memwall::quant::kernels {

std::span<const TypeKernel> kquant_neon() { return kKQuantTypes<MullDot>; }

}  // namespace memwall::quant::kernels
