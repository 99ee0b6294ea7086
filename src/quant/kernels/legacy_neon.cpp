// The legacy family's NEON kernels for Armv8.0 (see tables.hpp and legacy_neon.hpp).
#include "legacy_neon.hpp"

namespace memwall::quant::kernels {

std::span<const TypeKernel> legacy_neon() { return kLegacyTypes<MullDot>; }

}  // namespace memwall::quant::kernels
