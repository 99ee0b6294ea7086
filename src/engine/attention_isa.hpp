#pragma once
// Private to engine/: attention kernels per instruction set, each in a file compiled with its flags.
#include "memwall/engine/attention.hpp"

namespace memwall::engine::detail {

#if defined(__x86_64__)
const AttentionKernels& attention_avx2();
const AttentionKernels& attention_avxvnni();
const AttentionKernels& attention_avx512();
const AttentionKernels& attention_avx512vnni();
#elif defined(__aarch64__)
const AttentionKernels& attention_neon();
const AttentionKernels& attention_neon_dotprod();
#endif

}  // namespace memwall::engine::detail
