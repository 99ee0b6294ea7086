// The engine against the float64 reference, on the tiny presets synthesized to GGUF files.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "memwall/engine/evaluate.hpp"
#include "memwall/engine/forward.hpp"
#include "memwall/engine/ops.hpp"
#include "memwall/engine/routing.hpp"
#include "memwall/hw/thread_team.hpp"
#include "memwall/model/presets.hpp"
#include "memwall/model/requantize.hpp"
#include "memwall/model/synth.hpp"
#include "memwall/quant/packed.hpp"
#include "reference_forward.hpp"
#include "support/resident.hpp"
#include "support/subprocess.hpp"

namespace memwall::engine {
namespace {

using quant::TensorType;

double relative_error(const std::vector<float>& got, const std::vector<double>& want) {
  double err = 0, norm = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    err += (got[i] - want[i]) * (got[i] - want[i]);
    norm += want[i] * want[i];
  }
  return std::sqrt(err / norm);
}

class ForwardTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dir_ = new std::filesystem::path(testing::make_temp_dir("forward")); }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  // A tiny preset synthesized at `scheme`, once per suite.
  static std::filesystem::path model_file(const std::string& preset, model::Scheme scheme) {
    return spec_file(model::find_preset(preset)->spec, scheme);
  }
  static std::filesystem::path spec_file(const model::ModelSpec& spec, model::Scheme scheme) {
    const auto path = *dir_ / fmt::format("{}-{}.gguf", spec.name, model::scheme_info(scheme).name);
    if (!std::filesystem::exists(path)) {
      EXPECT_TRUE(model::synthesize(spec, scheme, {7, 2}, path, {}).ok());
    }
    return path;
  }
  static inline std::filesystem::path* dir_ = nullptr;
};

const std::vector<std::int32_t> kPrompt{1, 15, 300, 42, 7, 99, 3, 250, 77, 12, 500, 64, 31};

// Whether the engine's kernels take every weight type the scheme gives the tiny models.
bool engine_runs(model::Scheme scheme) {
  const model::ModelSpec spec = model::find_preset("tiny-llama")->spec;
  for (TensorType t : model::assign_types(spec, model::plan_tensors(spec), scheme)) {
    if (quant::type_info(t).block_size > 1 && !quant::packable(t)) return false;
  }
  return true;
}

// Relative L2 error of the logits after kPrompt, with an f32 KV cache on both sides (an f16 cache
// rounds K and V, and a value the two sides compute 1e-7 apart can round to neighbouring halves):
// float weights only round in f32 arithmetic; the quantized ones also quantize the activations to
// 8 bits per block, which the reference does not.
struct Budget {
  model::Scheme scheme;
  double relative;
};
// Measured on the tiny presets: 1.8e-2 to 2.5e-2 for every quantized scheme (the activations'
// rounding, compounded over the layers), which the budgets cover with a third to spare.
const Budget kBudgets[] = {
    {model::Scheme::F32, 1e-5},    {model::Scheme::F16, 1e-5},    {model::Scheme::BF16, 1e-5},
    {model::Scheme::Q8_0, 3.5e-2}, {model::Scheme::Q6_K, 3.5e-2}, {model::Scheme::Q5_K_M, 3.5e-2},
    {model::Scheme::Q5_0, 3.5e-2}, {model::Scheme::Q5_1, 3.5e-2}, {model::Scheme::Q4_K_M, 3.5e-2},
    {model::Scheme::Q4_0, 3.5e-2}, {model::Scheme::Q4_1, 3.5e-2}, {model::Scheme::Q3_K_M, 3.5e-2},
    {model::Scheme::Q2_K, 3.5e-2},
};

TEST_F(ForwardTest, LogitsMatchTheFloat64Reference) {
  for (const char* preset : {"tiny-llama", "tiny-moe"}) {
    for (const Budget& budget : kBudgets) {
      ASSERT_TRUE(engine_runs(budget.scheme)) << model::scheme_info(budget.scheme).name;
      const auto path = model_file(preset, budget.scheme);
      const gguf::GgufFile file = *gguf::GgufFile::open(path);
      const Result<testing::ReferenceResult> want = testing::reference_forward(file, kPrompt);
      ASSERT_TRUE(want.ok()) << want.error().message;
      EvalOptions options;
      options.kv_type = KvType::f32;
      const Result<std::vector<float>> got = next_token_logits(*load_gguf(path, {}), kPrompt, options);
      ASSERT_TRUE(got.ok()) << got.error().message;
      const double err = relative_error(*got, want->logits);
      EXPECT_LT(err, budget.relative) << preset << " " << model::scheme_info(budget.scheme).name;
      std::printf("  %s %s: relative error %.2e\n", preset, model::scheme_info(budget.scheme).name.data(), err);
    }
  }
}

// The f16 and Q8_0 caches, against the reference rounding its cache the same way.
TEST_F(ForwardTest, KvCacheTypesMatchTheReferenceModellingThem) {
  const auto path = model_file("tiny-llama", model::Scheme::F32);
  const gguf::GgufFile file = *gguf::GgufFile::open(path);
  const std::pair<KvType, testing::ReferenceKv> kinds[] = {{KvType::f16, testing::ReferenceKv::f16},
                                                           {KvType::q8_0, testing::ReferenceKv::q8_0}};
  for (const auto& [engine_kv, reference_kv] : kinds) {
    const auto want = testing::reference_forward(file, kPrompt, reference_kv);
    EvalOptions options;
    options.kv_type = engine_kv;
    const auto got = next_token_logits(*load_gguf(path, {}), kPrompt, options);
    ASSERT_TRUE(got.ok());
    // The cache rounds; values computed 1e-7 apart occasionally round to neighbouring steps.
    EXPECT_LT(relative_error(*got, want->logits), 1e-3);
  }
}

// Every ISA the CPU runs gives the reference's answer (they differ only in float rounding).
TEST_F(ForwardTest, EveryKernelIsaAgrees) {
  const auto path = model_file("tiny-moe", model::Scheme::Q8_0);
  const std::shared_ptr<const Model> m = *load_gguf(path, {});
  const auto want = testing::reference_forward(*gguf::GgufFile::open(path), kPrompt);
  for (quant::KernelIsa isa : runnable_isas()) {
    EvalOptions options;
    options.isa = isa;
    options.kv_type = KvType::f32;
    const auto got = next_token_logits(m, kPrompt, options);
    ASSERT_TRUE(got.ok());
    EXPECT_LT(relative_error(*got, want->logits), 3.5e-2) << quant::isa_name(isa);
  }
}

// A prompt of 40 tokens: steps of 16 or more, which AMX's tiles take (16 tokens at a time, the
// rest to the VNNI kernels) where the CPU has them. Every ISA gives the reference's answer, and in
// steps of 16 the same bits as in one step.
TEST_F(ForwardTest, LongPromptsAgreeOnEveryIsaWholeOrInSteps) {
  std::vector<std::int32_t> prompt;
  for (std::int32_t i = 0; i < 40; ++i) prompt.push_back(1 + i * 37 % 500);
  for (model::Scheme scheme : {model::Scheme::Q8_0, model::Scheme::Q4_0}) {
    const auto path = model_file("tiny-llama", scheme);
    const std::shared_ptr<const Model> m = *load_gguf(path, {});
    const auto want = testing::reference_forward(*gguf::GgufFile::open(path), prompt);
    for (quant::KernelIsa isa : runnable_isas()) {
      EvalOptions whole, steps;
      whole.isa = steps.isa = isa;
      whole.kv_type = steps.kv_type = KvType::f32;
      steps.chunk = 16;
      const auto got = next_token_logits(m, prompt, whole);
      ASSERT_TRUE(got.ok());
      EXPECT_LT(relative_error(*got, want->logits), 3.5e-2) << quant::isa_name(isa);
      EXPECT_EQ(*got, *next_token_logits(m, prompt, steps)) << quant::isa_name(isa);
    }
  }
}

// tiny-llama's shapes as another family: qwen2 adds biases to q, k and v, qwen3 normalises each q
// and k head; both rotate the halves of a head rather than adjacent pairs.
model::ModelSpec tiny_as(model::Arch arch) {
  model::ModelSpec spec = model::find_preset("tiny-llama")->spec;
  spec.arch = arch;
  spec.name = arch == model::Arch::qwen2 ? "tiny-qwen2" : "tiny-qwen3";
  spec.attention_bias = arch == model::Arch::qwen2;
  spec.qk_norm = arch == model::Arch::qwen3;
  return spec;
}

TEST_F(ForwardTest, QwenBiasesAndQkNormsMatchTheReference) {
  for (model::Arch arch : {model::Arch::qwen2, model::Arch::qwen3}) {
    for (model::Scheme scheme : {model::Scheme::F32, model::Scheme::Q8_0}) {
      const auto path = spec_file(tiny_as(arch), scheme);
      const auto want = testing::reference_forward(*gguf::GgufFile::open(path), kPrompt);
      ASSERT_TRUE(want.ok()) << want.error().message;
      EvalOptions options;
      options.kv_type = KvType::f32;
      const auto got = next_token_logits(*load_gguf(path, {}), kPrompt, options);
      ASSERT_TRUE(got.ok()) << got.error().message;
      const double err = relative_error(*got, want->logits);
      EXPECT_LT(err, scheme == model::Scheme::F32 ? 1e-5 : 3.5e-2) << tiny_as(arch).name << " " << model::scheme_info(scheme).name;
      std::printf("  %s %s: relative error %.2e\n", tiny_as(arch).name.c_str(), model::scheme_info(scheme).name.data(), err);
    }
  }
}

// Every position's logits of kPrompt, fed `per_step` tokens at a time to a team of `members`.
std::vector<float> stepwise_logits(const std::shared_ptr<const Model>& m, unsigned members, std::int64_t per_step) {
  const auto team = hw::ThreadTeam::create(std::vector<std::vector<unsigned>>(members)).value();
  const auto n = static_cast<std::int64_t>(kPrompt.size());
  Forward forward(m, *team, best_isa(), {per_step, per_step, n});
  KvCache cache = KvCache::create(m->spec, KvType::f16, n).value();
  KvCache* caches[] = {&cache};
  std::vector<float> all;
  for (std::int64_t at = 0; at < n; at += per_step) {
    std::vector<BatchToken> batch;
    for (std::int64_t i = at; i < std::min(n, at + per_step); ++i) {
      batch.push_back({kPrompt[static_cast<std::size_t>(i)], static_cast<std::int32_t>(i), 0, true});
    }
    std::vector<float> logits(batch.size() * static_cast<std::size_t>(forward.logits_stride()));
    forward.run(batch, caches, logits.data());
    for (std::size_t row = 0; row < batch.size(); ++row) {
      const float* begin = logits.data() + row * static_cast<std::size_t>(forward.logits_stride());
      all.insert(all.end(), begin, begin + forward.n_vocab());
    }
  }
  return all;
}

// With fewer tokens than members some members have no token of their own, but still take their
// share of every matmul and of the attention: the logits are those of one member doing all of it.
TEST_F(ForwardTest, StepsOfFewerTokensThanMembersEqualOneMember) {
  for (const model::ModelSpec& spec : {model::find_preset("tiny-llama")->spec, tiny_as(model::Arch::qwen2),
                                       tiny_as(model::Arch::qwen3)}) {
    const std::shared_ptr<const Model> m = *load_gguf(spec_file(spec, model::Scheme::Q8_0), {});
    const std::vector<float> alone = stepwise_logits(m, 1, 1);
    EXPECT_EQ(stepwise_logits(m, 2, 1), alone) << spec.name;
    // Two tokens of one sequence on three members: the second attends to the K and V the first
    // stored, on another member.
    EXPECT_EQ(stepwise_logits(m, 3, 2), stepwise_logits(m, 1, 2)) << spec.name;
  }
}

TEST_F(ForwardTest, ChunkedPrefillEqualsOneShot) {
  for (model::Scheme scheme : {model::Scheme::F16, model::Scheme::Q8_0}) {
    const std::shared_ptr<const Model> m = *load_gguf(model_file("tiny-moe", scheme), {});
    EvalOptions whole, chunked;
    chunked.chunk = 3;
    EXPECT_EQ(*next_token_logits(m, kPrompt, whole), *next_token_logits(m, kPrompt, chunked));
  }
}

TEST_F(ForwardTest, ThreadCountDoesNotChangeTheLogits) {
  const std::shared_ptr<const Model> m = *load_gguf(model_file("tiny-llama", model::Scheme::Q8_0), {});
  EvalOptions one, all;
  one.threads = 1;
  EXPECT_EQ(*next_token_logits(m, kPrompt, one), *next_token_logits(m, kPrompt, all));
}

TEST(Routing, PicksTheTopKAndRenormalises) {
  const float logits[] = {0.5f, 2.0f, -1.0f, 2.0f, 1.5f};
  std::int32_t chosen[3];
  float weight[3];
  route(logits, 5, 3, chosen, weight);
  EXPECT_EQ(chosen[0], 1);  // ties go to the lower index
  EXPECT_EQ(chosen[1], 3);
  EXPECT_EQ(chosen[2], 4);
  const double z = std::exp(2.0) * 2 + std::exp(1.5);
  EXPECT_NEAR(weight[0], std::exp(2.0) / z, 1e-6);
  EXPECT_NEAR(weight[2], std::exp(1.5) / z, 1e-6);
}

// The engine's routing, given the reference's router logits, picks the reference's experts in every
// layer, for every prompt prefix (the logits test above then shows the engine's own router logits
// lead to the same choice: a different expert would move the logits far outside the budget).
TEST_F(ForwardTest, MoeRoutesToTheReferencesExperts) {
  const auto path = model_file("tiny-moe", model::Scheme::F32);
  const gguf::GgufFile file = *gguf::GgufFile::open(path);
  for (std::size_t len = 1; len <= kPrompt.size(); len += 4) {
    const auto want = testing::reference_forward(file, std::span(kPrompt).first(len));
    ASSERT_EQ(want->experts.size(), 2u);
    for (std::size_t layer = 0; layer < want->experts.size(); ++layer) {
      const std::vector<double>& r = want->router_logits[layer];
      const std::vector<float> logits(r.begin(), r.end());
      std::int32_t chosen[2];
      float weight[2];
      route(logits.data(), static_cast<std::int64_t>(logits.size()), 2, chosen, weight);
      EXPECT_EQ(std::vector<std::int32_t>(chosen, chosen + 2), want->experts[layer]) << "layer " << layer;
    }
  }
}

// Two members, each finding the best of the parts of the rows it computed.
TEST_F(ForwardTest, BestTokenIsTheArgmaxOfEachLogitsRow) {
  for (const char* preset : {"tiny-llama", "tiny-moe"}) {
    const std::shared_ptr<const Model> m = *load_gguf(model_file(preset, model::Scheme::Q8_0), {});
    const auto team = hw::ThreadTeam::create({{}, {}}).value();
    const auto n = static_cast<std::int64_t>(kPrompt.size());
    Forward forward(m, *team, best_isa(), {n, n, n});
    KvCache cache = KvCache::create(m->spec, KvType::f16, n).value();
    KvCache* caches[] = {&cache};
    std::vector<BatchToken> batch;
    for (std::int64_t i = 0; i < n; ++i) batch.push_back({kPrompt[static_cast<std::size_t>(i)], static_cast<std::int32_t>(i), 0, true});
    std::vector<float> logits(static_cast<std::size_t>(n * forward.logits_stride()));
    forward.run(batch, caches, logits.data());
    for (std::int64_t i = 0; i < n; ++i) {
      EXPECT_EQ(forward.best_token(i), argmax(logits.data() + i * forward.logits_stride(), forward.n_vocab())) << preset << " row " << i;
    }
  }
}

TEST_F(ForwardTest, ModelLargerThanMemoryIsRefusedWithTheNumbers) {
  LoadOptions options;
  options.reserve_bytes = 1ull << 50;  // a petabyte of KV cache
  const auto m = load_gguf(model_file("tiny-llama", model::Scheme::Q8_0), options);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("needs"), std::string::npos) << m.error().message;
  EXPECT_NE(m.error().message.find("available"), std::string::npos) << m.error().message;
  const auto preset = load_preset(model::find_preset("tiny-llama")->spec, model::Scheme::Q4_0, options);
  EXPECT_FALSE(preset.ok());
}

// The packed copy is what the engine reads: the file's pages of the tensors it packed are let go as
// it goes, so a model does not occupy its size twice.
TEST_F(ForwardTest, ALoadedModelDoesNotKeepItsFilesPagesResident) {
  if (!testing::resident_file_bytes()) GTEST_SKIP() << "no RssFile in /proc/self/status";
  const std::filesystem::path path = model_file("tiny-llama", model::Scheme::F32);
  const std::uint64_t file_bytes = std::filesystem::file_size(path);
  const std::uint64_t before = *testing::resident_file_bytes();
  const auto m = load_gguf(path, {});
  ASSERT_TRUE(m.ok()) << m.error().message;
  const std::uint64_t after = *testing::resident_file_bytes();
  EXPECT_LT(after - std::min(after, before), file_bytes / 4) << file_bytes << "-byte file; " << before << " resident before, " << after << " after";
  EXPECT_TRUE(next_token_logits(*m, kPrompt, {}).ok());
}

TEST_F(ForwardTest, PresetInMemoryEqualsItsSynthesizedFile) {
  const model::ModelSpec spec = model::find_preset("tiny-moe")->spec;
  LoadOptions options;
  options.seed = 7;
  const auto from_preset = next_token_logits(*load_preset(spec, model::Scheme::Q8_0, options), kPrompt, {});
  const auto from_file = next_token_logits(*load_gguf(model_file("tiny-moe", model::Scheme::Q8_0), {}), kPrompt, {});
  EXPECT_EQ(*from_preset, *from_file);
}

}  // namespace
}  // namespace memwall::engine

namespace memwall::engine {
namespace {

// An F32 file requantized in memory at load is the file `memwall model quantize` writes, bit for
// bit, so its logits are the same.
TEST_F(ForwardTest, RequantizedAtLoadEqualsTheQuantizedFile) {
  const auto f32 = model_file("tiny-llama", model::Scheme::F32);
  for (model::Scheme scheme : {model::Scheme::Q8_0, model::Scheme::Q4_K_M}) {
    const auto quantized = std::filesystem::path(testing::make_temp_dir("requant")) / "q.gguf";
    ASSERT_TRUE(model::quantize_model(*gguf::GgufFile::open(f32), quantized, scheme, 0, {}).ok());
    LoadOptions options;
    options.requantize = scheme;
    const auto in_memory = load_gguf(f32, options);
    ASSERT_TRUE(in_memory.ok()) << in_memory.error().message;
    EXPECT_EQ((*in_memory)->weight_bytes.total, (*load_gguf(quantized, {}))->weight_bytes.total);
    EXPECT_EQ(*next_token_logits(*in_memory, kPrompt, {}), *next_token_logits(*load_gguf(quantized, {}), kPrompt, {}))
        << model::scheme_info(scheme).name;
    std::filesystem::remove_all(quantized.parent_path());
  }
}

}  // namespace
}  // namespace memwall::engine
