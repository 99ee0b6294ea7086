#pragma once
// Private to hw/: the per-ISA tables, each defined in a file compiled with that ISA's flags.
#include "memwall/hw/bandwidth_kernels.hpp"

namespace memwall::hw {

#if defined(__x86_64__)
const BandwidthKernels& avx2_bandwidth_kernels();
const BandwidthKernels& avx512_bandwidth_kernels();
// The same tables with the read in two prefetched streams (stream_kernels.hpp).
const BandwidthKernels& avx2_prefetched_bandwidth_kernels();
const BandwidthKernels& avx512_prefetched_bandwidth_kernels();
#endif

}  // namespace memwall::hw
