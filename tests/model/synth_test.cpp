#include "memwall/model/synth.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "memwall/gguf/reader.hpp"
#include "memwall/model/gguf_io.hpp"
#include "memwall/model/presets.hpp"
#include "memwall/model/requantize.hpp"
#include "memwall/model/summary.hpp"
#include "memwall/quant/reference.hpp"
#include "memwall/util/files.hpp"
#include "support/schema.hpp"
#include "support/subprocess.hpp"

namespace memwall::model {
namespace {

class SynthTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("synth"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

std::vector<float> dequantized(const gguf::GgufFile& f, const gguf::TensorInfo& t) {
  std::vector<float> v(t.n_elements);
  quant::reference_fns(t.type)->dequantize_row(f.tensor_data(t).data(), v.data(),
                                               static_cast<std::int64_t>(t.n_elements));
  return v;
}

// Every scheme on both tiny presets: the file reads back with the policy's types and sizes, the
// architecture metadata gives the same spec back, and no weight is NaN or infinite.
TEST_F(SynthTest, TinyPresetsAtEverySchemeReadBack) {
  for (const char* name : {"tiny-llama", "tiny-moe"}) {
    const ModelSpec spec = find_preset(name)->spec;
    const std::vector<PlannedTensor> plan = plan_tensors(spec);
    for (const SchemeInfo& scheme : all_schemes()) {
      const auto path = dir_ / (std::string(name) + "-" + std::string(scheme.name) + ".gguf");
      ASSERT_TRUE(synthesize(spec, scheme.scheme, {}, path, {}).ok()) << path;
      const Result<gguf::GgufFile> file = gguf::GgufFile::open(path);
      ASSERT_TRUE(file.ok()) << file.error().message;
      const std::vector<quant::TensorType> types = assign_types(spec, plan, scheme.scheme);
      ASSERT_EQ(file->tensors().size(), plan.size());
      for (std::size_t i = 0; i < plan.size(); ++i) {
        const gguf::TensorInfo& t = file->tensors()[i];
        EXPECT_EQ(t.name, plan[i].name);
        EXPECT_EQ(t.shape, plan[i].shape);
        EXPECT_EQ(t.type, types[i]) << t.name << " at " << scheme.name;
        EXPECT_EQ(t.n_bytes, quant::bytes_for(types[i], t.n_elements));
        for (float x : dequantized(*file, t)) ASSERT_TRUE(std::isfinite(x)) << t.name;
      }
      const Result<ModelSpec> back = spec_from_gguf(*file);
      ASSERT_TRUE(back.ok()) << back.error().message;
      EXPECT_EQ(back->n_layers, spec.n_layers);
      EXPECT_EQ(back->n_head_kv, spec.n_head_kv);
      EXPECT_EQ(back->n_vocab, spec.n_vocab);
      EXPECT_EQ(back->n_expert, spec.n_expert);
      EXPECT_EQ(back->n_ff_expert, spec.n_ff_expert);
      EXPECT_EQ(back->qk_norm, spec.qk_norm);
      EXPECT_EQ(file->get_uint("general.file_type").value(), scheme.gguf_file_type);
    }
  }
}

TEST_F(SynthTest, SameSeedSameFile) {
  const ModelSpec spec = find_preset("tiny-llama")->spec;
  ASSERT_TRUE(synthesize(spec, Scheme::Q4_K_M, {42, 1}, dir_ / "a.gguf", {}).ok());
  ASSERT_TRUE(synthesize(spec, Scheme::Q4_K_M, {42, 2}, dir_ / "b.gguf", {}).ok());
  EXPECT_EQ(read_file(dir_ / "a.gguf").value(), read_file(dir_ / "b.gguf").value());
}

TEST_F(SynthTest, InfoJsonMatchesItsSchemaAndCountsAgree) {
  const ModelSpec spec = find_preset("tiny-moe")->spec;
  ASSERT_TRUE(synthesize(spec, Scheme::Q4_K_M, {}, dir_ / "m.gguf", {}).ok());
  const gguf::GgufFile file = *gguf::GgufFile::open(dir_ / "m.gguf");
  const Result<ModelSummary> s = summarize_model(file);
  ASSERT_TRUE(s.ok()) << s.error().message;
  const nlohmann::json j = summary_to_json(*s);
  const Status valid = testing::validate_against_schema(j, "model-info.schema.json");
  EXPECT_TRUE(valid.ok()) << valid.error().message;
  EXPECT_EQ(s->params.total, count_params(spec, plan_tensors(spec)).total);
  EXPECT_EQ(j["scheme"], "Q4_K_M");
  EXPECT_LT(s->params.active, s->params.total);
}

TEST_F(SynthTest, QuantizeFromF16GivesThePolicysTypesAndCloseValues) {
  const ModelSpec spec = find_preset("tiny-llama")->spec;
  ASSERT_TRUE(synthesize(spec, Scheme::F16, {}, dir_ / "f16.gguf", {}).ok());
  const gguf::GgufFile f16 = *gguf::GgufFile::open(dir_ / "f16.gguf");
  const Result<QuantizeReport> report = quantize_model(f16, dir_ / "q.gguf", Scheme::Q4_K_M, 2, {});
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_FALSE(report->input_quantized);
  const gguf::GgufFile q = *gguf::GgufFile::open(dir_ / "q.gguf");
  const std::vector<quant::TensorType> expected = assign_types(spec, plan_tensors(spec), Scheme::Q4_K_M);
  for (std::size_t i = 0; i < q.tensors().size(); ++i) {
    const gguf::TensorInfo& t = q.tensors()[i];
    EXPECT_EQ(t.type, expected[i]) << t.name;
    const std::vector<float> a = dequantized(f16, f16.tensors()[i]), b = dequantized(q, t);
    double err = 0, norm = 0;
    for (std::size_t k = 0; k < a.size(); ++k) {
      err += (a[k] - b[k]) * (a[k] - b[k]);
      norm += a[k] * a[k];
    }
    EXPECT_LT(std::sqrt(err / norm), 0.12) << t.name;  // 4- to 6-bit types
  }
  EXPECT_EQ(q.get_string("tokenizer.ggml.model").value(), "llama");  // metadata carried over
  const Result<QuantizeReport> again = quantize_model(q, dir_ / "q2.gguf", Scheme::Q8_0, 2, {});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->input_quantized);
}

TEST(RopeFactors, Llama3FactorsSpanOneToTheFactor) {
  const ModelSpec spec = find_preset("llama-3.1-8b")->spec;
  const std::vector<float> f = llama3_rope_factors(spec);
  ASSERT_EQ(f.size(), 64u);
  EXPECT_FLOAT_EQ(f.front(), 1.0f);  // highest frequency: unchanged
  EXPECT_FLOAT_EQ(f.back(), 8.0f);   // lowest: slowed by the factor
  for (std::size_t i = 1; i < f.size(); ++i) EXPECT_GE(f[i], f[i - 1]);
}

}  // namespace
}  // namespace memwall::model
