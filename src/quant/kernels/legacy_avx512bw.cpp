// The legacy family's avx512bw kernels (see tables.hpp).
#include "tables.hpp"

namespace memwall::quant::kernels {

std::span<const TypeKernel> legacy_avx512bw() { return {}; }

}  // namespace memwall::quant::kernels
