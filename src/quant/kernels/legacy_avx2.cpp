// The legacy family's avx2 kernels (see tables.hpp).
#include "tables.hpp"

namespace memwall::quant::kernels {

std::span<const TypeKernel> legacy_avx2() { return {}; }

}  // namespace memwall::quant::kernels
