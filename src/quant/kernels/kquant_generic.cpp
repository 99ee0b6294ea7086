// The kquant family's portable kernels (see tables.hpp).
#include "tables.hpp"

namespace memwall::quant::kernels {

std::span<const TypeKernel> kquant_generic() { return {}; }

}  // namespace memwall::quant::kernels
