#include "phase.hpp"

#include <cstring>

namespace memwall::engine::detail {

ActivationScratch::ActivationScratch(std::int64_t max_rows, std::int64_t max_cols, const quant::KernelCpu& cpu)
    : cpu_(cpu) {
  using quant::ActivationKind;
  slots_[static_cast<int>(ActivationKind::f32)] =
      HugeBuffer::allocate(static_cast<std::size_t>(max_rows * max_cols) * sizeof(float)).value();
  for (ActivationKind kind : {ActivationKind::q8_32, ActivationKind::q8_256}) {
    slots_[static_cast<int>(kind)] =
        HugeBuffer::allocate(quant::activation_buffers(kind, max_rows, max_cols, nullptr).total_bytes).value();
  }
}

quant::ActivationView ActivationScratch::prepare(const quant::Kernels& kernels, quant::TensorType type,
                                                 const float* x, std::int64_t n, std::int64_t cols,
                                                 std::int64_t ld, Range mine) {
  return share(fill(kernels, quant::activation_kind(type), x, n, cols, ld, mine), type);
}

quant::ActivationView ActivationScratch::share(quant::ActivationView view, quant::TensorType type) const {
  view.decode_prefetch_bytes = quant::decode_prefetch_bytes(cpu_, type, view.n_tokens);
  view.decode_side_by_side = quant::decode_side_by_side(cpu_, type, view.n_tokens);
  return view;
}

quant::ActivationView ActivationScratch::fill(const quant::Kernels& kernels, quant::ActivationKind kind,
                                              const float* x, std::int64_t n, std::int64_t cols, std::int64_t ld,
                                              Range mine) {
  auto* slot = static_cast<std::byte*>(slots_[static_cast<int>(kind)].data());
  if (kind == quant::ActivationKind::f32) {
    if (ld == cols) return {kind, n, cols, x, nullptr, nullptr, nullptr};
    auto* rows = reinterpret_cast<float*>(slot);
    for (std::int64_t t = mine.begin; t < mine.end; ++t) {
      std::memcpy(rows + t * cols, x + t * ld, static_cast<std::size_t>(cols) * sizeof(float));
    }
    return {kind, n, cols, rows, nullptr, nullptr, nullptr};
  }
  const quant::ActivationBuffers b = quant::activation_buffers(kind, n, cols, slot);
  const std::int64_t block = quant::activation_block(kind);
  for (std::int64_t t = mine.begin; t < mine.end; ++t) {
    kernels.quantize(kind, x + t * ld, 1, cols, b.q + t * cols, b.d + t * (cols / block), b.sums16 + t * (cols / 16));
  }
  quant::ActivationView view = quant::activation_view(kind, n, cols, b);
  if (kernels.tiled_activations && b.q_tiles && n >= quant::kActivationTileTokens) {
    quant::tile_activation_rows(b.q, mine.begin, mine.end, cols, b.q_tiles);
    view.q_tiles = b.q_tiles;
  }
  return view;
}

}  // namespace memwall::engine::detail
