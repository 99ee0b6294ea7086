#include "support/schema.hpp"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "memwall/util/files.hpp"

namespace memwall::testing {

Status validate_against_schema(const nlohmann::json& document, const std::string& schema_file) {
  const std::string path = std::string(MEMWALL_SOURCE_DIR) + "/schemas/" + schema_file;
  Result<std::string> text = read_file(path);
  if (!text.ok()) return text.error();
  const nlohmann::json schema_json = nlohmann::json::parse(*text);
  valijson::Schema schema;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_json);
  parser.populateSchema(schema_adapter, schema);

  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter document_adapter(document);
  if (validator.validate(schema, document_adapter, &results)) return {};
  std::string message = schema_file + ":";
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    std::string where;
    for (const std::string& part : error.context) where += part;
    message += "\n  " + where + ": " + error.description;
  }
  return Error{message};
}

}  // namespace memwall::testing
