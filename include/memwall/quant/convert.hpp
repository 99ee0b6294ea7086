#pragma once
// Whole-tensor conversions, split over threads by rows.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "memwall/quant/types.hpp"
#include "memwall/util/result.hpp"

namespace memwall::quant {

// Converts `n_rows` rows of `n_per_row` elements from type `from` (any supported type) to type `to`
// (any supported type) through f32, on `n_threads` threads (0 = hardware concurrency). Errors when
// a type is unsupported, n_per_row is not a multiple of a block size, or a span is too small.
// `progress(rows_done)` may be called from worker threads, never concurrently.
Status convert_rows(TensorType from, std::span<const std::byte> src, TensorType to,
                    std::span<std::byte> dst, std::int64_t n_rows, std::int64_t n_per_row,
                    unsigned n_threads = 0,
                    const std::function<void(std::int64_t rows_done)>& progress = {});

}  // namespace memwall::quant
