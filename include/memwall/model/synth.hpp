#pragma once
// `memwall model synth`: a GGUF of any preset at any scheme, with random weights that look trained.
#include <cstdint>
#include <filesystem>
#include <optional>

#include "memwall/gguf/writer.hpp"
#include "memwall/model/random_weights.hpp"
#include "memwall/model/scheme.hpp"
#include "memwall/model/spec.hpp"
#include "memwall/model/tensors.hpp"
#include "memwall/util/result.hpp"

namespace memwall::model {

struct SynthOptions {
  std::uint64_t seed = 1;
  unsigned threads = 0;  // 0 = all hardware threads
};

// The spread random weights get by role: norms near 1, matrices N(0, 1/sqrt(fan-in)) so that
// activations keep their scale through every layer and the forward pass stays finite.
WeightDistribution distribution_for(const PlannedTensor& tensor);

Status synthesize(const ModelSpec& spec, Scheme scheme, const SynthOptions& options,
                  const std::filesystem::path& path, const gguf::GgufWriter::Progress& progress);

}  // namespace memwall::model
