// Memory arithmetic against values worked out by hand from the presets' shapes (tensor by tensor,
// block sizes from data/quant_types.csv), not from the library's own counters.
#include <gtest/gtest.h>

#include <cmath>

#include "memwall/fit/memory.hpp"
#include "memwall/model/presets.hpp"
#include "memwall/util/units.hpp"

namespace memwall::fit {
namespace {

ModelShape preset(const char* name, model::Scheme scheme) {
  return shape_from_preset(model::find_preset(name)->spec, scheme);
}

Hardware rtx_4090() { return find_hardware("rtx-4090").value(); }

// Llama-3.1-8B at Q8_0: every matrix Q8_0 (34 bytes per 32), norms and rope_freqs F32.
//   matrices: 32 x (2 x 4096^2 + 2 x 4096 x 1024 + 3 x 4096 x 14336) + 2 x 128256 x 4096
//           = 8,029,995,008 elements -> 8,531,869,696 bytes
//   F32: 32 x 2 x 4096 + 4096 + 64 = 266,304 elements -> 1,065,216 bytes
TEST(FitMemory, Llama31_8bQ8_0) {
  const ModelShape s = preset("llama-3.1-8b", model::Scheme::Q8_0);
  EXPECT_EQ(s.weight_bytes, 8'532'934'912u);
  // A step streams all but the input embedding, of which it looks up one row (4096 x 34 / 32).
  EXPECT_DOUBLE_EQ(s.shared_bytes_per_step, 8'532'934'912.0 - 558'170'112.0 + 4'352.0);
  EXPECT_DOUBLE_EQ(s.weight_bytes_per_step(4), s.shared_bytes_per_step);  // dense: users share it
  EXPECT_DOUBLE_EQ(s.kv_bytes_per_token(quant::TensorType::F16), 131'072.0);  // 2 x 32 x 8 x 128 x 2

  const MemoryEstimate m = estimate_memory(rtx_4090(), s, 8192, 4, quant::TensorType::F16);
  EXPECT_EQ(m.weights, 8'532'934'912u);
  EXPECT_EQ(m.kv_cache, 4ull * kGiB);                                    // 131072 x 8192 x 4
  EXPECT_EQ(m.compute_buffers, 512ull * (128'256 + 2 * 14'336 + 6 * 4'096) * 4);  // 371,720,192
  EXPECT_EQ(m.runtime_overhead, static_cast<std::uint64_t>(0.6 * kGiB));
  EXPECT_EQ(m.needed, m.weights + m.kv_cache + m.compute_buffers + m.runtime_overhead);
  EXPECT_EQ(m.usable, 24 * kGiB - kGiB / 2);
  EXPECT_EQ(m.verdict, Verdict::fits);  // 13.8 GB of 25.2
}

// Llama-3.2-1B at F16, tied embeddings: the embedding is the output matrix, read whole each step.
//   matrices: 16 x (2 x 2048^2 + 2 x 2048 x 512 + 3 x 2048 x 8192) + 128256 x 2048
//           = 1,235,746,816 elements -> 2,471,493,632 bytes
//   F32: 16 x 2 x 2048 + 2048 + 32 (rope_freqs) = 67,616 elements -> 270,464 bytes
TEST(FitMemory, Llama32_1bF16Tied) {
  const ModelShape s = preset("llama-3.2-1b", model::Scheme::F16);
  EXPECT_EQ(s.weight_bytes, 2'471'764'096u);
  EXPECT_DOUBLE_EQ(s.shared_bytes_per_step, 2'471'764'096.0);
  EXPECT_DOUBLE_EQ(s.kv_bytes_per_token(quant::TensorType::F16), 32'768.0);  // 2 x 16 x 8 x 64 x 2
  EXPECT_DOUBLE_EQ(s.kv_bytes_per_token(quant::TensorType::Q8_0), 32'768.0 / 2 * 34 / 32);
  const MemoryEstimate m = estimate_memory(rtx_4090(), s, 1000, 3, quant::TensorType::F16);
  EXPECT_EQ(m.kv_cache, 32'768ull * 1000 * 3);
  EXPECT_EQ(m.compute_buffers, 512ull * (128'256 + 2 * 8'192 + 6 * 2'048) * 4);
}

// Qwen3-30B-A3B at F16: 128 experts of width 768, 8 used.
//   experts: 48 x 3 x 2048 x 768 x 128 = 28,991,029,248 elements -> 57,982,058,496 bytes
//   shared F16: 48 x (2 x 2048 x 4096 + 2 x 2048 x 512) + 2 x 151936 x 2048 = 1,528,299,520 elements
//   shared F32: 48 x (2048 x 128 router + 2 x 2048 + 2 x 128 norms) + 2048 = 12,793,856 elements
TEST(FitMemory, Qwen3MoeF16) {
  const ModelShape s = preset("qwen3-30b-a3b", model::Scheme::F16);
  const double experts = 57'982'058'496.0;
  const double shared = 1'528'299'520.0 * 2 + 12'793'856.0 * 4;
  EXPECT_DOUBLE_EQ(s.expert_bytes, experts);
  EXPECT_EQ(s.weight_bytes, static_cast<std::uint64_t>(experts + shared));
  const double per_step_shared = shared - 151'936.0 * 2048 * 2 + 2048 * 2;  // one embedding row
  EXPECT_DOUBLE_EQ(s.shared_bytes_per_step, per_step_shared);
  // One token reads its 8 experts of 128; four tokens are expected to touch
  // 128 x (1 - (120/128)^4) = 29.123046875 distinct experts per layer.
  EXPECT_DOUBLE_EQ(s.expected_experts(1), 8.0);
  EXPECT_DOUBLE_EQ(s.expected_experts(4), 29.123046875);
  EXPECT_DOUBLE_EQ(s.weight_bytes_per_step(1), per_step_shared + experts * 8 / 128);
  EXPECT_NEAR(s.weight_bytes_per_step(4), per_step_shared + experts * 29.123046875 / 128, 1.0);
  EXPECT_DOUBLE_EQ(s.kv_bytes_per_token(quant::TensorType::F16), 2.0 * 48 * 4 * 128 * 2);
}

TEST(FitMemory, VerdictsAndLimits) {
  const ModelShape s = preset("llama-3.1-8b", model::Scheme::Q4_K_M);
  const Hardware hw = find_hardware("mac-mini-m4-16gb").value();  // 16 GiB, 4 kept by the OS
  EXPECT_EQ(estimate_memory(hw, s, 4096, 1, quant::TensorType::F16).verdict, Verdict::fits);
  const std::int64_t ctx = max_context(hw, s, 1, quant::TensorType::F16);
  EXPECT_GT(ctx, 4096);
  EXPECT_LT(ctx, 131072);
  EXPECT_NE(estimate_memory(hw, s, ctx, 1, quant::TensorType::F16).verdict, Verdict::does_not_fit);
  EXPECT_EQ(estimate_memory(hw, s, ctx + 1, 1, quant::TensorType::F16).verdict, Verdict::does_not_fit);
  const std::int64_t users = max_users(hw, s, 8192, quant::TensorType::F16);
  EXPECT_GE(users, 1);
  EXPECT_EQ(estimate_memory(hw, s, 8192, users + 1, quant::TensorType::F16).verdict, Verdict::does_not_fit);
  const ModelShape big = preset("llama-3.1-70b", model::Scheme::Q4_K_M);
  EXPECT_EQ(estimate_memory(hw, big, 4096, 1, quant::TensorType::F16).verdict, Verdict::does_not_fit);
  EXPECT_EQ(max_context(hw, big, 1, quant::TensorType::F16), 0);
  EXPECT_EQ(max_users(hw, big, 4096, quant::TensorType::F16), 0);
}

// Sliding-window attention: windowed layers keep min(context, window) positions.
// Gemma-3-4B: 34 layers, 4 KV heads x 256, F16: 2 x 4 x 256 x 2 = 4096 bytes per layer and token;
// layers 5, 11, 17, 23, 29 are global (5 of 34), the other 29 keep 1024 positions. At 8192:
//   29 x 1024 x 4096 + 5 x 8192 x 4096 = 121,634,816 + 167,772,160 = 289,406,976 bytes.
TEST(FitMemory, Gemma3WindowedLayersKeepTheirWindow) {
  const ModelShape s = preset("gemma-3-4b", model::Scheme::Q4_0);
  EXPECT_DOUBLE_EQ(s.kv_bytes(quant::TensorType::F16, 8192), 289'406'976.0);
  // Below the window every layer keeps the whole context: 34 x 512 x 4096.
  EXPECT_DOUBLE_EQ(s.kv_bytes(quant::TensorType::F16, 512), 34.0 * 512 * 4096);
  const MemoryEstimate m = estimate_memory(rtx_4090(), s, 8192, 2, quant::TensorType::F16);
  EXPECT_EQ(m.kv_cache, 2u * 289'406'976u);
}

// gpt-oss-20b: 24 layers, 8 KV heads x 64, F16: 2048 bytes per layer and token; every other layer
// (12) keeps 128 positions. At 4096: 12 x 128 x 2048 + 12 x 4096 x 2048 = 103,809,024 bytes.
TEST(FitMemory, GptOssAlternatesWindowedAndGlobalLayers) {
  const ModelShape s = preset("gpt-oss-20b", model::Scheme::Q4_0);
  EXPECT_DOUBLE_EQ(s.kv_bytes(quant::TensorType::F16, 4096), 103'809'024.0);
  EXPECT_DOUBLE_EQ(s.kv_bytes(quant::TensorType::F16, 100), 24.0 * 100 * 2048);
}

// A model without a window: the cache is kv_bytes_per_token x context, as before.
TEST(FitMemory, NoWindowMeansFullContextOnEveryLayer) {
  const ModelShape s = preset("llama-3.1-8b", model::Scheme::Q8_0);
  EXPECT_DOUBLE_EQ(s.kv_bytes(quant::TensorType::F16, 8192), 131'072.0 * 8192);
}

}  // namespace
}  // namespace memwall::fit
