// The kquant family's avx2 kernels (see tables.hpp).
#include "tables.hpp"

namespace memwall::quant::kernels {

std::span<const TypeKernel> kquant_avx2() { return {}; }

}  // namespace memwall::quant::kernels
