#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "memwall/util/result.hpp"

namespace memwall::testing {

// Validates `document` against the JSON Schema file `schemas/<schema_file>` of the source tree.
// The error lists every violation with its JSON pointer.
Status validate_against_schema(const nlohmann::json& document, const std::string& schema_file);

}  // namespace memwall::testing
