// The plain family's NEON kernels for Armv8.0 (see tables.hpp and matmul_neon.hpp).
#include "matmul_neon.hpp"

namespace memwall::quant::kernels {

std::span<const TypeKernel> plain_neon() { return kPlainTypes<MullDot>; }

}  // namespace memwall::quant::kernels
