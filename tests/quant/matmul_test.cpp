// Every kernel table this CPU runs, against the reference: weights dequantized exactly as ggml
// does, activations d * q, products summed in double.
#include "memwall/quant/matmul.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "memwall/hw/cpu.hpp"
#include "memwall/quant/reference.hpp"
#include "test_data.hpp"

namespace memwall::quant {
namespace {

using testing::TestRng;

KernelCpu this_cpu() {
  const hw::IsaFeatures f = hw::detect_cpu().isa;
  KernelCpu cpu{f.has_avx2_fma(), f.has_avx512(), f.avx512vnni, f.neon, f.dotprod};
  cpu.amx = f.amx && amx_tiles_permitted();
  return cpu;
}

// 64-byte aligned bytes.
struct Aligned {
  explicit Aligned(std::size_t n) : storage(n + 64) {}
  std::byte* data() {
    const auto p = reinterpret_cast<std::uintptr_t>(storage.data());
    return storage.data() + ((64 - p % 64) % 64);
  }
  std::vector<std::byte> storage;
};

struct Case {
  TensorType type;
  std::int64_t rows, cols;
};

// A weight matrix quantized by the reference quantizer, and its packed form.
struct Weights {
  Weights(TensorType type, std::int64_t rows, std::int64_t cols, std::uint64_t seed)
      : file(rows * bytes_for(type, cols)), packed(packed_bytes(type, rows, cols)) {
    TestRng rng(seed);
    std::vector<float> x(static_cast<std::size_t>(cols));
    for (std::int64_t r = 0; r < rows; ++r) {
      for (float& v : x) v = rng.normal() * 0.05f;
      reference_fns(type)->quantize_row(x.data(), file.data() + r * bytes_for(type, cols), cols);
    }
    matrix = pack_matrix(type, file, rows, cols, std::span(packed.data(), packed_bytes(type, rows, cols))).value();
  }
  const std::byte* row(std::int64_t r) const { return file.data() + r * matrix.row_bytes(); }
  std::vector<std::byte> file;
  Aligned packed;
  PackedMatrix matrix;
};

std::vector<float> activations(std::int64_t n_tokens, std::int64_t cols, std::uint64_t seed) {
  TestRng rng(seed);
  std::vector<float> x(static_cast<std::size_t>(n_tokens * cols));
  for (float& v : x) v = rng.normal();
  x[3] = 9.0f;  // an outlier, as real activations have
  return x;
}

std::size_t scratch_bytes(ActivationKind kind, std::int64_t n_tokens, std::int64_t cols) {
  return activation_buffers(kind, n_tokens, cols, nullptr).total_bytes;
}

class MatmulTest : public ::testing::TestWithParam<KernelIsa> {};

// Every type the kernels take: new ones are tested as soon as they have a packer.
std::vector<TensorType> packable_types() {
  std::vector<TensorType> types;
  for (std::uint32_t id = 0; id < 64; ++id) {
    if (const TypeInfo* info = find_type_info(id); info && packable(info->type)) types.push_back(info->type);
  }
  return types;
}
const std::vector<TensorType> kTypes = packable_types();

// Kernels::matmul falls back to the generic kernel for a type the table lacks, which the tests
// against the reference would not notice: every table must have its own kernel for every type,
// once in each family, and the first family that has it gives it (avx512amx's prompt family
// before the VNNI kernels it falls back to).
TEST_P(MatmulTest, TheTableHasItsOwnKernelForEveryType) {
  const Kernels& k = kernels_for(GetParam());
  for (TensorType type : kTypes) {
    MatmulFn first = nullptr;
    for (std::span<const TypeKernel> family : k.families) {
      int found = 0;
      for (const TypeKernel& entry : family) {
        if (entry.type != type || entry.fn == nullptr) continue;
        ++found;
        if (!first) first = entry.fn;
      }
      EXPECT_LE(found, 1) << isa_name(GetParam()) << " " << type_info(type).name;
    }
    EXPECT_NE(first, nullptr) << isa_name(GetParam()) << " " << type_info(type).name;
    EXPECT_EQ(k.matmul(type), first) << isa_name(GetParam()) << " " << type_info(type).name;
  }
}

TEST_P(MatmulTest, QuantizedActivationsAreTheReferencesBytes) {
  const Kernels& k = kernels_for(GetParam());
  struct Shape {
    ActivationKind kind;
    std::int64_t rows, cols;
  };
  // 3 x 96 leaves 32 quants past the last 64 (the kernels sum quants 64 or 32 at a time).
  for (const Shape s : {Shape{ActivationKind::q8_32, 5, 768}, Shape{ActivationKind::q8_32, 3, 96},
                        Shape{ActivationKind::q8_256, 5, 768}}) {
    const std::int64_t n = s.rows * s.cols;
    const std::vector<float> x = activations(s.rows, s.cols, 11);
    Aligned a(scratch_bytes(s.kind, s.rows, s.cols)), b(scratch_bytes(s.kind, s.rows, s.cols));
    const ActivationView va = quantize_activations(k, s.kind, x.data(), s.rows, s.cols, a.data());
    const ActivationView vb =
        quantize_activations(kernels_for(KernelIsa::generic), s.kind, x.data(), s.rows, s.cols, b.data());
    EXPECT_EQ(std::memcmp(va.q, vb.q, static_cast<std::size_t>(n)), 0);
    EXPECT_EQ(std::memcmp(va.d, vb.d, static_cast<std::size_t>(n / activation_block(s.kind) * 4)), 0);
    EXPECT_EQ(std::memcmp(va.sums16, vb.sums16, static_cast<std::size_t>(n / 16 * 4)), 0);
  }
}

TEST_P(MatmulTest, EveryTypeMatchesTheReference) {
  const Kernels& k = kernels_for(GetParam());
  for (TensorType type : kTypes) {
    for (const Case c : {Case{type, 37, 256}, Case{type, 64, 768}}) {
      const Weights w(type, c.rows, c.cols, 5);
      for (std::int64_t n_tokens : {1, 2, 3, 4, 5, 6, 8, 11, 17}) {
        const ActivationKind kind = activation_kind(type);
        const std::vector<float> x = activations(n_tokens, c.cols, 7 + n_tokens);
        Aligned scratch(scratch_bytes(kind, n_tokens, c.cols));
        const ActivationView view = quantize_activations(k, kind, x.data(), n_tokens, c.cols, scratch.data());
        const std::int64_t ldy = w.matrix.padded_rows();
        std::vector<float> y(static_cast<std::size_t>(n_tokens * ldy), NAN);
        // Two calls over a split row range: the engine's threads do the same.
        k.matmul(type)(w.matrix, view, y.data(), ldy, 0, kPackRows);
        k.matmul(type)(w.matrix, view, y.data(), ldy, kPackRows, ldy);
        for (std::int64_t t = 0; t < n_tokens; ++t) {
          for (std::int64_t r = 0; r < ldy; ++r) {
            const float got = y[t * ldy + r];
            if (r >= c.rows) {
              ASSERT_EQ(got, 0.0f) << "padding row " << r;
              continue;
            }
            const double want = reference_dot(type, w.row(r), view, t);
            ASSERT_NEAR(got, want, 2e-5 * std::sqrt(static_cast<double>(c.cols)) + 1e-4 * std::fabs(want))
                << type_info(type).name << " " << c.rows << "x" << c.cols << " tokens " << n_tokens
                << " t=" << t << " r=" << r;
          }
        }
      }
    }
  }
}

// Float weights are column-major in 16-row groups whatever the width (packed.hpp): the vectors run
// along the rows, so every ISA reads widths its vectors do not divide itself.
TEST_P(MatmulTest, FloatRowsOfEveryWidthMatchTheReference) {
  const Kernels& k = kernels_for(GetParam());
  for (TensorType type : {TensorType::F32, TensorType::F16, TensorType::BF16}) {
    for (const std::int64_t cols : {16, 24, 33, 36, 40, 48, 80}) {
      const Weights w(type, 19, cols, 21);
      for (const std::int64_t n_tokens : {1, 7, 19}) {
        const std::vector<float> x = activations(n_tokens, cols, 23);
        const ActivationView view{ActivationKind::f32, n_tokens, cols, x.data(), nullptr, nullptr, nullptr};
        const std::int64_t ldy = w.matrix.padded_rows();
        std::vector<float> y(static_cast<std::size_t>(n_tokens * ldy), NAN);
        k.matmul(type)(w.matrix, view, y.data(), ldy, 0, ldy);
        for (std::int64_t t = 0; t < n_tokens; ++t) {
          for (std::int64_t r = 0; r < 19; ++r) {
            const double want = reference_dot(type, w.row(r), view, t);
            ASSERT_NEAR(y[t * ldy + r], want, 1e-5 + 1e-5 * std::fabs(want))
                << type_info(type).name << " cols " << cols << " tokens " << n_tokens << " t=" << t << " r=" << r;
          }
        }
      }
    }
  }
}

// Long rows and many tokens: a prompt's float kernels take the columns in panels (of 2048 on
// AVX-512 and AVX2) and keep the sums in y between them; 16400 columns end in a ragged one.
TEST_P(MatmulTest, ManyTokensOfLongFloatRowsMatchTheReference) {
  const Kernels& k = kernels_for(GetParam());
  for (TensorType type : {TensorType::F32, TensorType::F16, TensorType::BF16}) {
    constexpr std::int64_t kCols = 16400;
    const Weights w(type, 20, kCols, 9);
    const std::int64_t n_tokens = 37, ldy = w.matrix.padded_rows();
    const std::vector<float> x = activations(n_tokens, kCols, 17);
    const ActivationView view{ActivationKind::f32, n_tokens, kCols, x.data(), nullptr, nullptr, nullptr};
    std::vector<float> y(static_cast<std::size_t>(n_tokens * ldy), NAN);
    k.matmul(type)(w.matrix, view, y.data(), ldy, 0, ldy);
    for (std::int64_t t = 0; t < n_tokens; ++t) {
      for (std::int64_t r = 0; r < 20; ++r) {
        const double want = reference_dot(type, w.row(r), view, t);
        ASSERT_NEAR(y[t * ldy + r], want, 2e-5 * std::sqrt(static_cast<double>(kCols)) + 1e-4 * std::fabs(want))
            << type_info(type).name << " t=" << t << " r=" << r;
      }
    }
  }
}

// Prompts of every quantized type: tiles of 16 tokens and the tokens left over (AMX's tiles take
// the first, the VNNI kernel the rest), an odd number of row groups, and rows of 66 blocks (AMX
// goes 64 blocks at a time, keeping the sums in y between). The tokens a 35-token call leaves to
// its last, narrower tile a 64-token call puts in full ones: the results are the same bits, and
// so they are without the tiled copy of the activations (which a view of rows may lack).
TEST_P(MatmulTest, QuantizedPromptsMatchTheReferenceWhateverTheirLength) {
  const Kernels& k = kernels_for(GetParam());
  for (TensorType type : kTypes) {
    if (activation_kind(type) == ActivationKind::f32) continue;
    const std::int64_t cols = type_info(type).block_size == 256 ? 2304 : 2112;
    const Weights w(type, 40, cols, 41);
    const std::int64_t ldy = w.matrix.padded_rows();
    const std::vector<float> x = activations(64, cols, 43);
    std::vector<std::vector<float>> outputs;
    for (const std::int64_t n_tokens : {35, 64}) {
      Aligned scratch(scratch_bytes(activation_kind(type), n_tokens, cols));
      const ActivationView view = quantize_activations(k, activation_kind(type), x.data(), n_tokens, cols, scratch.data());
      std::vector<float>& y = outputs.emplace_back(static_cast<std::size_t>(n_tokens * ldy), NAN);
      k.matmul(type)(w.matrix, view, y.data(), ldy, 0, 2 * kPackRows);
      k.matmul(type)(w.matrix, view, y.data(), ldy, 2 * kPackRows, ldy);
      ActivationView untiled = view;
      untiled.q_tiles = nullptr;
      std::vector<float> y_untiled(y.size(), NAN);
      k.matmul(type)(w.matrix, untiled, y_untiled.data(), ldy, 0, ldy);
      for (std::size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y_untiled[i], y[i]) << type_info(type).name << " untiled " << i;
      for (std::int64_t t = 0; t < n_tokens; ++t) {
        for (std::int64_t r = 0; r < 40; ++r) {
          const double want = reference_dot(type, w.row(r), view, t);
          ASSERT_NEAR(y[t * ldy + r], want, 2e-5 * std::sqrt(static_cast<double>(cols)) + 1e-4 * std::fabs(want))
              << type_info(type).name << " tokens " << n_tokens << " t=" << t << " r=" << r;
        }
      }
    }
    for (std::int64_t i = 0; i < 35 * ldy; ++i) ASSERT_EQ(outputs[0][i], outputs[1][i]) << type_info(type).name << " " << i;
  }
}

// y (n_tokens x 48) of the first 48 rows of w times n_tokens rows of x.
std::vector<float> outputs_of(const Kernels& k, const Weights& w, const float* x, std::int64_t n_tokens) {
  const ActivationKind kind = activation_kind(w.matrix.type);
  Aligned scratch(scratch_bytes(kind, n_tokens, w.matrix.cols));
  const ActivationView view = quantize_activations(k, kind, x, n_tokens, w.matrix.cols, scratch.data());
  std::vector<float> y(static_cast<std::size_t>(n_tokens * 48));
  k.matmul(w.matrix.type)(w.matrix, view, y.data(), 48, 0, 48);
  return y;
}

// A token's outputs do not depend on which other tokens share the call, nor on where it sits among
// them: a batched decode step (up to 16 tokens) computes exactly what one token alone does, and a
// prompt chunk exactly what any other prompt chunk does (for float weights also what decode does:
// FloatPromptsComputeWhatDecodeDoes).
TEST_P(MatmulTest, ResultsDoNotDependOnTheBatch) {
  const Kernels& k = kernels_for(GetParam());
  for (TensorType type : kTypes) {
    const Weights w(type, 48, 512, 3);
    const std::vector<float> x = activations(23, 512, 13);
    const std::vector<float> nine = outputs_of(k, w, x.data(), 9);
    for (std::int64_t t = 0; t < 9; ++t) {
      const std::vector<float> one = outputs_of(k, w, x.data() + t * 512, 1);
      for (int r = 0; r < 48; ++r) ASSERT_EQ(one[r], nine[t * 48 + r]) << type_info(type).name << " t=" << t;
    }
    // All 23 tokens, then 17 of them in another order: token (t + 7) % 23 first.
    const std::vector<float> all = outputs_of(k, w, x.data(), 23);
    std::vector<float> rotated(17 * 512);
    for (std::int64_t i = 0; i < 17; ++i) std::copy_n(x.data() + (i + 7) % 23 * 512, 512, rotated.data() + i * 512);
    const std::vector<float> some = outputs_of(k, w, rotated.data(), 17);
    for (std::int64_t i = 0; i < 17; ++i) {
      const std::int64_t t = (i + 7) % 23;
      for (int r = 0; r < 48; ++r) {
        ASSERT_EQ(some[i * 48 + r], all[t * 48 + r]) << type_info(type).name << " t=" << t << " r=" << r;
      }
    }
  }
}

// Float weights are column-major (packed.hpp), and every kernel sums each row as one chain of
// multiply-adds along k, a prompt's panels included (2100 columns are two of them on x86): a token's
// prompt result is exactly its decode result.
TEST_P(MatmulTest, FloatPromptsComputeWhatDecodeDoes) {
  const Kernels& k = kernels_for(GetParam());
  constexpr std::int64_t kCols = 2100, kTokens = 19;
  for (TensorType type : {TensorType::F32, TensorType::F16, TensorType::BF16}) {
    const Weights w(type, 40, kCols, 29);
    const std::int64_t ldy = w.matrix.padded_rows();
    const std::vector<float> x = activations(kTokens, kCols, 31);
    std::vector<float> prompt(static_cast<std::size_t>(kTokens * ldy)), one(static_cast<std::size_t>(ldy));
    const ActivationView all{ActivationKind::f32, kTokens, kCols, x.data(), nullptr, nullptr, nullptr};
    k.matmul(type)(w.matrix, all, prompt.data(), ldy, 0, ldy);
    for (std::int64_t t = 0; t < kTokens; ++t) {
      const ActivationView view{ActivationKind::f32, 1, kCols, x.data() + t * kCols, nullptr, nullptr, nullptr};
      k.matmul(type)(w.matrix, view, one.data(), ldy, 0, ldy);
      for (std::int64_t r = 0; r < ldy; ++r) ASSERT_EQ(one[r], prompt[t * ldy + r]) << type_info(type).name << " t=" << t << " r=" << r;
    }
  }
}

// Asking for the weights ahead, one group at a time or two side by side (cache.hpp), changes no
// result, whatever group a call starts at; asking past the end of the matrix (the last groups of a
// call) is harmless. 77 rows are five groups: two pairs two groups apart and one alone, or one
// alone and two pairs.
TEST_P(MatmulTest, DecodePrefetchChangesNoResult) {
  const Kernels& k = kernels_for(GetParam());
  for (TensorType type : kTypes) {
    const Weights w(type, 77, 512, 11);
    const ActivationKind kind = activation_kind(type);
    const std::vector<float> x = activations(1, 512, 17);
    Aligned scratch(scratch_bytes(kind, 1, 512));
    ActivationView view = quantize_activations(k, kind, x.data(), 1, 512, scratch.data());
    const std::int64_t rows = w.matrix.padded_rows();
    std::vector<float> plain(static_cast<std::size_t>(rows)), ahead(static_cast<std::size_t>(rows));
    k.matmul(type)(w.matrix, view, plain.data(), rows, 0, rows);
    view.decode_prefetch_bytes = 1024;
    for (bool side_by_side : {false, true}) {
      view.decode_side_by_side = side_by_side;
      const std::string what = std::string(type_info(type).name) + (side_by_side ? " side by side" : " one at a time");
      std::fill(ahead.begin(), ahead.end(), 0.0f);
      k.matmul(type)(w.matrix, view, ahead.data(), rows, 0, rows);
      EXPECT_EQ(std::memcmp(plain.data(), ahead.data(), plain.size() * sizeof(float)), 0) << what;
      std::fill(ahead.begin(), ahead.end(), 0.0f);
      k.matmul(type)(w.matrix, view, ahead.data(), rows, 0, 16);
      k.matmul(type)(w.matrix, view, ahead.data(), rows, 16, rows);
      EXPECT_EQ(std::memcmp(plain.data(), ahead.data(), plain.size() * sizeof(float)), 0) << what << " split";
    }
  }
}

// Where the CPU takes a decode distance, steps of up to 8 tokens read the weights as decode does
// (here two groups side by side, cache.hpp's kStreamTokens), and 9 go in tiles: every token of every
// such call computes exactly what it computes alone, without the distance. 77 rows are five groups.
TEST_P(MatmulTest, StreamedTokensComputeWhatEachTokenAloneDoes) {
  const Kernels& k = kernels_for(GetParam());
  constexpr std::int64_t kCols = 512, kMaxTokens = 9;
  for (TensorType type : kTypes) {
    const Weights w(type, 77, kCols, 19);
    const ActivationKind kind = activation_kind(type);
    const std::int64_t rows = w.matrix.padded_rows();
    const std::vector<float> x = activations(kMaxTokens, kCols, 23);
    const auto run = [&](const float* tokens, std::int64_t n, std::size_t ahead) {
      Aligned scratch(scratch_bytes(kind, n, kCols));
      ActivationView view = quantize_activations(k, kind, tokens, n, kCols, scratch.data());
      view.decode_prefetch_bytes = ahead;
      view.decode_side_by_side = ahead != 0;
      std::vector<float> y(static_cast<std::size_t>(n * rows));
      k.matmul(type)(w.matrix, view, y.data(), rows, 0, rows);
      return y;
    };
    for (std::int64_t n = 2; n <= kMaxTokens; ++n) {
      const std::vector<float> streamed = run(x.data(), n, 1024);
      for (std::int64_t t = 0; t < n; ++t) {
        const std::vector<float> alone = run(x.data() + t * kCols, 1, 0);
        EXPECT_EQ(std::memcmp(alone.data(), streamed.data() + t * rows, alone.size() * sizeof(float)), 0)
            << type_info(type).name << " n=" << n << " t=" << t;
      }
    }
  }
}

TEST(DecodePrefetch, ByCpuTypeAndTokenCount) {
  const KernelCpu zen4{true, true, true, false, false, false, 0x19};
  KernelCpu intel = zen4, zen5 = zen4;
  intel.amd_family = 0;
  intel.intel = true;
  zen5.amd_family = 0x1A;
  for (TensorType type : {TensorType::F16, TensorType::Q4_0, TensorType::Q8_0, TensorType::Q4_K, TensorType::Q2_K}) {
    for (std::int64_t tokens : {1, 4}) {
      EXPECT_EQ(decode_prefetch_bytes(zen4, type, tokens), 0u) << type_info(type).name;
      EXPECT_EQ(decode_prefetch_bytes(intel, type, tokens), 1024u) << type_info(type).name;
    }
  }
  // Zen 5: 4 KiB ahead in each of two streams for one token, 6 KiB in Q6_K's one, 12 KiB in the
  // one stream of a batched step.
  for (TensorType type : {TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1, TensorType::Q3_K,
                          TensorType::Q4_K, TensorType::Q5_K}) {
    EXPECT_EQ(decode_prefetch_bytes(zen5, type, 1), 4096u) << type_info(type).name;
  }
  EXPECT_EQ(decode_prefetch_bytes(zen5, TensorType::Q6_K, 1), 6144u);
  for (TensorType type : {TensorType::Q4_0, TensorType::Q4_K, TensorType::Q6_K}) {
    for (std::int64_t tokens : {2, 8}) EXPECT_EQ(decode_prefetch_bytes(zen5, type, tokens), 12288u) << tokens;
  }
  // F16 and BF16 decode in four streams, 2 KiB ahead in each; their batched tiles ask on their own.
  for (TensorType type : {TensorType::F16, TensorType::BF16}) {
    EXPECT_EQ(decode_prefetch_bytes(zen5, type, 1), 2048u) << type_info(type).name;
    EXPECT_EQ(decode_prefetch_bytes(zen5, type, 4), 0u) << type_info(type).name;
  }
  for (TensorType type : {TensorType::F32, TensorType::Q8_0, TensorType::Q2_K}) {
    for (std::int64_t tokens : {1, 4}) EXPECT_EQ(decode_prefetch_bytes(zen5, type, tokens), 0u) << type_info(type).name;
  }
  for (TensorType type : {TensorType::Q4_0, TensorType::Q4_K, TensorType::Q6_K}) {
    for (std::int64_t tokens : {1, 2, 8}) EXPECT_TRUE(decode_side_by_side(intel, type, tokens)) << tokens;
    for (const KernelCpu& amd : {zen4, zen5}) {
      // One token side by side on AMD cores, but Q6_K's reads one stream, further ahead.
      EXPECT_EQ(decode_side_by_side(amd, type, 1), type != TensorType::Q6_K) << type_info(type).name;
      EXPECT_FALSE(decode_side_by_side(amd, type, 2));
      EXPECT_FALSE(decode_side_by_side(amd, type, 8));
    }
  }
}

std::vector<KernelIsa> runnable() { return runnable_isas(this_cpu()); }

INSTANTIATE_TEST_SUITE_P(Isas, MatmulTest, ::testing::ValuesIn(runnable()),
                         [](const auto& p) {
                           std::string n(isa_name(p.param));
                           for (char& ch : n) if (ch == '-') ch = '_';
                           return n;
                         });

TEST(Packing, BadShapesAndBuffersAreErrors) {
  std::vector<std::byte> src(1024);
  Aligned out(4096);
  EXPECT_FALSE(pack_matrix(TensorType::Q4_0, src, 2, 48, std::span(out.data(), 4096)).ok());   // 48 % 32
  EXPECT_FALSE(pack_matrix(TensorType::Q4_0, src, 100, 64, std::span(out.data(), 4096)).ok()); // src short
  EXPECT_FALSE(pack_matrix(TensorType::Q4_0, src, 2, 64, std::span(out.data(), 16)).ok());     // out short
  EXPECT_FALSE(pack_matrix(TensorType::Q4_0, src, 2, 64, std::span(out.data() + 1, 4000)).ok()); // misaligned
  EXPECT_FALSE(pack_matrix(TensorType::IQ4_NL, src, 2, 64, std::span(out.data(), 4096)).ok());
  EXPECT_EQ(packed_bytes(TensorType::Q4_0, 17, 64), 32u * 2 * 18);
}

}  // namespace
}  // namespace memwall::quant
