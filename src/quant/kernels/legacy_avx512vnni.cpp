// The legacy family's avx512vnni kernels (see tables.hpp).
#include "tables.hpp"

namespace memwall::quant::kernels {

std::span<const TypeKernel> legacy_avx512vnni() { return {}; }

}  // namespace memwall::quant::kernels
