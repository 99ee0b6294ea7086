#pragma once
// `memwall model info`: what a GGUF file holds, in numbers.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memwall/gguf/reader.hpp"
#include "memwall/model/params.hpp"
#include "memwall/model/scheme.hpp"
#include "memwall/model/spec.hpp"
#include "memwall/util/result.hpp"

namespace memwall::model {

struct TypeTotals {
  quant::TensorType type;
  std::uint64_t tensors = 0;
  std::uint64_t elements = 0;
  std::uint64_t bytes = 0;
};

struct TensorRow {
  std::string name;
  quant::TensorType type;
  std::vector<std::uint64_t> shape;
  std::uint64_t bytes = 0;
};

struct ModelSummary {
  std::string path;
  std::uint64_t file_bytes = 0;
  std::uint32_t gguf_version = 0;
  ModelSpec spec;
  std::optional<Scheme> scheme;  // from general.file_type, when it names one
  ParamCounts params;
  WeightBytes weights;
  double bits_per_weight = 0;    // tensor bytes x 8 / parameters
  double kv_bytes_per_token_f16 = 0;
  double kv_bytes_per_token_q8_0 = 0;
  std::vector<TypeTotals> by_type;  // largest first
  std::vector<TensorRow> tensors;   // file order
  std::vector<std::pair<std::string, std::string>> metadata;  // values shortened for display
};

Result<ModelSummary> summarize_model(const gguf::GgufFile& file);
nlohmann::json summary_to_json(const ModelSummary& summary);  // schemas/model-info.schema.json

// The file's tensors as the policy and counters see them, and their types, in file order.
std::vector<PlannedTensor> file_tensors(const gguf::GgufFile& file);
std::vector<quant::TensorType> file_types(const gguf::GgufFile& file);

}  // namespace memwall::model
