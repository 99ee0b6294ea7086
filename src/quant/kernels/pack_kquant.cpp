// Packers of the K-quant family: Q4_K, Q5_K, Q6_K.
#include "pack.hpp"

namespace memwall::quant::pack {

std::span<const PackerEntry> kquant_packers() { return {}; }

}  // namespace memwall::quant::pack
