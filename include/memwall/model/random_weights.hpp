#pragma once
// Random weights that look trained: roughly normal values of a chosen spread, written straight
// into the quantized block formats (no f32 array is ever quantized), deterministically from a
// seed, fast enough to make a 5 GB model in well under a minute.
#include <cstddef>
#include <cstdint>
#include <span>

#include "memwall/quant/types.hpp"
#include "memwall/util/result.hpp"

namespace memwall::model {

// How a tensor's values are distributed.
struct WeightDistribution {
  double mean = 0.0;
  double stddev = 0.02;
};

// Blocks are generated in segments of this many, each from its own seed: output does not depend
// on how callers chunk or parallelise the work.
inline constexpr std::uint64_t kBlocksPerSegment = 4096;

// Fills out with the bytes [offset, offset + out.size()) of a tensor of `n_elements` elements of
// `type` drawn from `dist`, using `n_threads` threads. `stream` identifies the tensor.
Status generate_weights(quant::TensorType type, std::uint64_t n_elements, WeightDistribution dist,
                        std::uint64_t seed, std::uint64_t stream, std::uint64_t offset,
                        std::span<std::byte> out, unsigned n_threads);

}  // namespace memwall::model
