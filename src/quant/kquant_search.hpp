#pragma once
// The two-level search every K-quant weight type shares: fit each sub-block on its own, store
// the sub-block scales (and mins) as small integers times one binary16 super-scale, then give
// each sub-block the integer scale near its ideal one that reconstructs it best, with its
// levels re-rounded against the scale as the dequantizer will compute it.
#include <cstdint>

#include "memwall/quant/blocks.hpp"

namespace memwall::quant::detail {

// Shape of a two-level format: n_groups sub-blocks of `group` weights each.
struct SuperBlockShape {
  int group;     // weights per sub-block (16 or 32)
  int n_groups;  // group * n_groups == kSuperBlockSize
  int level_lo;  // quant levels: [level_lo, level_hi] (level_lo is 0 for formats with a min)
  int level_hi;
  int scale_lo;  // integer sub-block scales: [scale_lo, scale_hi]
  int scale_hi;
  int min_hi;  // integer sub-block mins: [0, min_hi] (formats with a min only)
  int radius;  // integer scales (and mins) tried on each side of the ideal one
};

// x ~ (d * scale[g]) * level - (dmin * min[g]): Q2_K, Q4_K, Q5_K.
struct AffineSuperBlock {
  std::uint16_t d, dmin;
  int scale[16], min[16];
  int level[kSuperBlockSize];  // in [0, level_hi]
};
void search_affine_super_block(const float* x, const SuperBlockShape& shape, AffineSuperBlock* out);

// x ~ (d * scale[g]) * level: Q3_K, Q6_K.
struct SymmetricSuperBlock {
  std::uint16_t d;
  int scale[16];
  int level[kSuperBlockSize];  // in [level_lo, level_hi], not biased
};
void search_symmetric_super_block(const float* x, const SuperBlockShape& shape,
                                  SymmetricSuperBlock* out);

}  // namespace memwall::quant::detail
