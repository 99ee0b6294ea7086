#include "memwall/model/requantize.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "memwall/model/gguf_io.hpp"
#include "memwall/model/summary.hpp"
#include "memwall/quant/convert.hpp"

namespace memwall::model {
namespace {

bool is_float_type(quant::TensorType t) {
  return t == quant::TensorType::F32 || t == quant::TensorType::F16 || t == quant::TensorType::BF16;
}

// Converts the rows that cover [offset, offset + out.size()) of the output tensor and copies that
// range out: the writer's chunks need not start or end on a row.
Status convert_range(const gguf::TensorInfo& in, std::span<const std::byte> src,
                     quant::TensorType to, unsigned threads, std::uint64_t offset,
                     std::span<std::byte> out) {
  if (in.type == to) {  // kept as it is: no round trip through f32
    std::memcpy(out.data(), src.data() + offset, out.size());
    return {};
  }
  const std::uint64_t row_in = quant::bytes_for(in.type, in.shape[0]);
  const std::uint64_t row_out = quant::bytes_for(to, in.shape[0]);
  const std::uint64_t first = offset / row_out;
  const std::uint64_t last = (offset + out.size() + row_out - 1) / row_out;
  std::vector<std::byte> converted((last - first) * row_out);
  Status s = quant::convert_rows(in.type, src.subspan(first * row_in, (last - first) * row_in), to,
                                 converted, static_cast<std::int64_t>(last - first),
                                 static_cast<std::int64_t>(in.shape[0]), threads);
  if (!s.ok()) return make_error("tensor {}: {}", in.name, s.error().message);
  std::memcpy(out.data(), converted.data() + (offset - first * row_out), out.size());
  return {};
}

}  // namespace

Result<QuantizeReport> quantize_model(const gguf::GgufFile& input, const std::filesystem::path& output,
                                      Scheme scheme, unsigned threads,
                                      const gguf::GgufWriter::Progress& progress) {
  Result<ModelSpec> spec = spec_from_gguf(input);
  if (!spec.ok()) return spec.error();
  const std::vector<PlannedTensor> tensors = file_tensors(input);
  const std::vector<quant::TensorType> policy = assign_types(*spec, tensors, scheme);

  gguf::GgufWriter writer(input.alignment());
  for (const gguf::KeyValue& kv : input.metadata()) {
    if (kv.key != "general.alignment") writer.set(kv.key, kv.value);
  }
  writer.set("general.file_type", gguf::Value{scheme_info(scheme).gguf_file_type});
  writer.set("general.quantization_version", gguf::Value{std::uint32_t{2}});

  QuantizeReport report;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const gguf::TensorInfo& in = input.tensors()[i];
    if (!quant::type_info(in.type).supported) {
      return make_error("{}: tensor {}: type {} cannot be converted", input.name(), in.name,
                        quant::type_info(in.type).name);
    }
    report.input_quantized |= is_quantizable(tensors[i]) && !is_float_type(in.type);
    const quant::TensorType to = is_quantizable(tensors[i]) ? policy[i] : in.type;
    gguf::GgufWriter::Filler fill = [&input, &in, to, threads](std::uint64_t offset, std::span<std::byte> out) {
      return convert_range(in, input.tensor_data(in), to, threads, offset, out);
    };
    if (Status s = writer.add_tensor(in.name, in.shape, to, std::move(fill)); !s.ok()) return s.error();
  }
  if (Status s = writer.write(output, progress); !s.ok()) return s.error();
  report.output_bytes = writer.data_bytes();
  return report;
}

}  // namespace memwall::model
