#pragma once
// The value lists of the sweep's flags: comma lists of numbers and ranges.
//   8           one value
//   1,2,4,8     a list
//   1-8*2       1, 2, 4, 8: from 1 up to 8, times 2 each step
//   128-512+128 128, 256, 384, 512: plus 128 each step
//   1-4         1, 2, 3, 4
#include <cstdint>
#include <string_view>
#include <vector>

#include "memwall/util/result.hpp"

namespace memwall::bench {

// Errors name the offending item and the flag, e.g. "-c: '4-1' counts down".
Result<std::vector<std::int64_t>> parse_int_list(std::string_view text, std::string_view flag,
                                                 std::int64_t min_value = 0);
// Numbers (no ranges with fractions), e.g. request rates: "0.5,1,2".
Result<std::vector<double>> parse_number_list(std::string_view text, std::string_view flag);
// Names: "Q4_0,Q8_0" (empty items are errors).
Result<std::vector<std::string>> parse_name_list(std::string_view text, std::string_view flag);

}  // namespace memwall::bench
