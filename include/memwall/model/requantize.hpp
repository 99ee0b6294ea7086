#pragma once
// `memwall model quantize`: a GGUF rewritten at another scheme, tensor by tensor through f32.
#include <filesystem>

#include "memwall/gguf/reader.hpp"
#include "memwall/gguf/writer.hpp"
#include "memwall/model/scheme.hpp"
#include "memwall/util/result.hpp"

namespace memwall::model {

struct QuantizeReport {
  bool input_quantized = false;  // some weights were already quantized: quality is lost twice
  std::uint64_t output_bytes = 0;
};

Result<QuantizeReport> quantize_model(const gguf::GgufFile& input, const std::filesystem::path& output,
                                      Scheme scheme, unsigned threads,
                                      const gguf::GgufWriter::Progress& progress);

}  // namespace memwall::model
