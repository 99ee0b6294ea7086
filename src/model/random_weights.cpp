#include "memwall/model/random_weights.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "memwall/quant/blocks.hpp"
#include "memwall/quant/half.hpp"
#include "memwall/util/parallel.hpp"

namespace memwall::model {
namespace {

using quant::TensorType;

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// xoshiro256**: fast, and plenty random for weights nobody will train.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& word : s_) word = splitmix64(seed);
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0]; s_[3] ^= s_[1]; s_[1] ^= s_[2]; s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // 16 uniform bits, four per 64-bit draw.
  std::uint16_t next16() {
    if (left_ == 0) {
      bits_ = next();
      left_ = 4;
    }
    --left_;
    const auto r = static_cast<std::uint16_t>(bits_);
    bits_ >>= 16;
    return r;
  }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(next() >> 11) * 0x1.0p-53;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
  std::uint64_t bits_ = 0;
  int left_ = 0;
};

// z_k = inverse normal CDF at (k + 0.5) / 65536, by bisection on erfc: a table of 65536 standard
// normal quantiles that 16 uniform bits index.
const std::vector<float>& normal_quantiles() {
  static const std::vector<float> table = [] {
    std::vector<float> z(65536);
    for (std::size_t k = 0; k < z.size(); ++k) {
      const double p = (static_cast<double>(k) + 0.5) / 65536.0;
      double lo = -9, hi = 9;
      for (int it = 0; it < 60; ++it) {
        const double mid = 0.5 * (lo + hi);
        (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
      }
      z[k] = static_cast<float>(0.5 * (lo + hi));
    }
    return z;
  }();
  return table;
}

// Integers round(mean + sd * z) clamped to [lo, hi], looked up with 16 uniform bits.
class IntegerSampler {
 public:
  IntegerSampler(double mean, double sd, int lo, int hi) : table_(65536) {
    const std::vector<float>& z = normal_quantiles();
    for (std::size_t k = 0; k < table_.size(); ++k) {
      table_[k] = static_cast<std::int16_t>(std::clamp<long>(std::lround(mean + sd * z[k]), lo, hi));
    }
  }
  int operator()(Rng& rng) const { return table_[rng.next16()]; }

 private:
  std::vector<std::int16_t> table_;
};

// The spread of each block is varied by up to +-25%, as trained weights vary from block to block.
double block_sigma(Rng& rng, double sigma) { return sigma * rng.uniform(0.75, 1.25); }

std::uint16_t f16(double x) { return quant::f32_to_f16(static_cast<float>(x)); }

// Each filler writes one block for weights of mean 0 and standard deviation `sigma`. The integer
// quants are drawn around the middle of their range with the spread noted, and the block scales
// are set so that the values come out with that sigma.
struct Samplers {
  IntegerSampler q2{1.5, 1.0, 0, 3}, q3{4, 1.7, 0, 7}, q4{7.5, 2.5, 0, 15}, q4c{8, 2.5, 0, 15};
  IntegerSampler q5{15.5, 5, 0, 31}, q5c{16, 5, 0, 31}, q6{32, 10, 0, 63}, q8{0, 40, -127, 127};
};

void fill_q4_0(const Samplers& s, Rng& rng, double sigma, quant::BlockQ4_0& b) {
  b.d = f16(block_sigma(rng, sigma) / 2.5);
  for (auto& byte : b.qs) byte = static_cast<std::uint8_t>(s.q4c(rng) | s.q4c(rng) << 4);
}

void fill_q4_1(const Samplers& s, Rng& rng, double sigma, quant::BlockQ4_1& b) {
  const double d = block_sigma(rng, sigma) / 2.5;
  b.d = f16(d);
  b.m = f16(-7.5 * d);
  for (auto& byte : b.qs) byte = static_cast<std::uint8_t>(s.q4(rng) | s.q4(rng) << 4);
}

// 5-bit quants: low nibbles in qs (weight j low, j + 16 high), bit 4 of weight i in bit i of qh.
template <typename Block>
void fill_q5_bits(const IntegerSampler& q5, Rng& rng, Block& b) {
  std::uint32_t qh = 0;
  for (int j = 0; j < 16; ++j) {
    const int lo = q5(rng), hi = q5(rng);
    b.qs[j] = static_cast<std::uint8_t>((lo & 15) | (hi & 15) << 4);
    qh |= static_cast<std::uint32_t>(lo >> 4) << j | static_cast<std::uint32_t>(hi >> 4) << (j + 16);
  }
  std::memcpy(b.qh, &qh, sizeof(qh));
}

void fill_q5_0(const Samplers& s, Rng& rng, double sigma, quant::BlockQ5_0& b) {
  b.d = f16(block_sigma(rng, sigma) / 5);
  fill_q5_bits(s.q5c, rng, b);
}

void fill_q5_1(const Samplers& s, Rng& rng, double sigma, quant::BlockQ5_1& b) {
  const double d = block_sigma(rng, sigma) / 5;
  b.d = f16(d);
  b.m = f16(-15.5 * d);
  fill_q5_bits(s.q5, rng, b);
}

void fill_q8_0(const Samplers& s, Rng& rng, double sigma, quant::BlockQ8_0& b) {
  b.d = f16(block_sigma(rng, sigma) / 40);
  for (auto& q : b.qs) q = static_cast<std::int8_t>(s.q8(rng));
}

// Scale 8 and min 12 in every sub-block: 8 d E[q] = 12 dmin centres the values when dmin = d.
void fill_q2_k(const Samplers& s, Rng& rng, double sigma, quant::BlockQ2_K& b) {
  const double d = block_sigma(rng, sigma) / 8;
  b.d = f16(d);
  b.dmin = f16(d);
  std::memset(b.scales, 8 | 12 << 4, sizeof(b.scales));
  for (auto& byte : b.qs) {
    byte = static_cast<std::uint8_t>(s.q2(rng) | s.q2(rng) << 2 | s.q2(rng) << 4 | s.q2(rng) << 6);
  }
}

// Every 6-bit scale 40 (that is 8 after the -32 offset): low nibbles 8, high bits 2.
void fill_q3_k(const Samplers& s, Rng& rng, double sigma, quant::BlockQ3_K& b) {
  b.d = f16(block_sigma(rng, sigma) / (8 * 1.7));
  std::memset(b.scales, 0x88, 8);
  std::memset(b.scales + 8, 0xAA, 4);
  std::memset(b.qs, 0, sizeof(b.qs));
  std::memset(b.hmask, 0, sizeof(b.hmask));
  for (int i = 0; i < quant::kSuperBlockSize; ++i) {
    const int q = s.q3(rng);  // stored as q - 4 where bit 2 is set, so q in 0..7 maps back to q
    const int h = i / 128, shift = 2 * ((i % 128) / 32), l = i % 32;
    b.qs[32 * h + l] |= static_cast<std::uint8_t>((q & 3) << shift);
    b.hmask[i % 32] |= static_cast<std::uint8_t>((q >> 2) << (i / 32));
  }
}

// Every 6-bit scale and min 32: bytes 0-7 hold 32 plus the top bits (2) of the upper four, bytes
// 8-11 the zero low nibbles of the upper four. dmin = 7.5 d (15.5 d for 5 bits) centres the values.
void set_k4_scales(std::uint8_t* scales) {
  std::memset(scales, 0xA0, 8);
  std::memset(scales + 8, 0x00, 4);
}

void fill_q4_k(const Samplers& s, Rng& rng, double sigma, quant::BlockQ4_K& b) {
  const double d = block_sigma(rng, sigma) / (32 * 2.5);
  b.d = f16(d);
  b.dmin = f16(7.5 * d);
  set_k4_scales(b.scales);
  for (auto& byte : b.qs) byte = static_cast<std::uint8_t>(s.q4(rng) | s.q4(rng) << 4);
}

void fill_q5_k(const Samplers& s, Rng& rng, double sigma, quant::BlockQ5_K& b) {
  const double d = block_sigma(rng, sigma) / (32 * 5);
  b.d = f16(d);
  b.dmin = f16(15.5 * d);
  set_k4_scales(b.scales);
  std::memset(b.qh, 0, sizeof(b.qh));
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      const int lo = s.q5(rng), hi = s.q5(rng);
      b.qs[32 * c + l] = static_cast<std::uint8_t>((lo & 15) | (hi & 15) << 4);
      b.qh[l] |= static_cast<std::uint8_t>((lo >> 4) << (2 * c) | (hi >> 4) << (2 * c + 1));
    }
  }
}

void fill_q6_k(const Samplers& s, Rng& rng, double sigma, quant::BlockQ6_K& b) {
  b.d = f16(block_sigma(rng, sigma) / (16 * 10));
  std::memset(b.scales, 16, sizeof(b.scales));
  for (int h = 0; h < 2; ++h) {
    for (int l = 0; l < 32; ++l) {
      int q[4];
      for (int& v : q) v = s.q6(rng);
      b.ql[64 * h + l] = static_cast<std::uint8_t>((q[0] & 15) | (q[2] & 15) << 4);
      b.ql[64 * h + 32 + l] = static_cast<std::uint8_t>((q[1] & 15) | (q[3] & 15) << 4);
      b.qh[32 * h + l] = static_cast<std::uint8_t>((q[0] >> 4) | (q[1] >> 4) << 2 |
                                                    (q[2] >> 4) << 4 | (q[3] >> 4) << 6);
    }
  }
}

void fill_plain(TensorType type, Rng& rng, WeightDistribution dist, std::byte* out) {
  const float x = static_cast<float>(dist.mean + dist.stddev * normal_quantiles()[rng.next16()]);
  switch (type) {
    case TensorType::F32: std::memcpy(out, &x, 4); break;
    case TensorType::F16: { const std::uint16_t h = quant::f32_to_f16(x); std::memcpy(out, &h, 2); break; }
    default: { const std::uint16_t h = quant::f32_to_bf16(x); std::memcpy(out, &h, 2); break; }
  }
}

template <typename Block, typename Fill>
void fill_blocks(std::byte* out, std::uint64_t n_blocks, Fill fill, Rng& rng) {
  for (std::uint64_t i = 0; i < n_blocks; ++i) {
    Block b;
    fill(rng, b);
    std::memcpy(out + i * sizeof(Block), &b, sizeof(Block));
  }
}

// One segment of blocks, from its own seed.
Status generate_segment(TensorType type, const Samplers& s, WeightDistribution dist, Rng rng,
                        std::uint64_t n_blocks, std::byte* out) {
  if (quant::type_info(type).block_size == 1) {
    const std::uint32_t size = quant::type_info(type).bytes_per_block;
    for (std::uint64_t i = 0; i < n_blocks; ++i) fill_plain(type, rng, dist, out + i * size);
    return {};
  }
  if (dist.mean != 0.0) return make_error("random {} weights must have mean 0", quant::type_info(type).name);
  const double sd = dist.stddev;
#define MEMWALL_FILL(T, Block, fn) \
  case TensorType::T: \
    fill_blocks<quant::Block>(out, n_blocks, [&](Rng& r, quant::Block& b) { fn(s, r, sd, b); }, rng); \
    return {};
  switch (type) {
    MEMWALL_FILL(Q4_0, BlockQ4_0, fill_q4_0)
    MEMWALL_FILL(Q4_1, BlockQ4_1, fill_q4_1)
    MEMWALL_FILL(Q5_0, BlockQ5_0, fill_q5_0)
    MEMWALL_FILL(Q5_1, BlockQ5_1, fill_q5_1)
    MEMWALL_FILL(Q8_0, BlockQ8_0, fill_q8_0)
    MEMWALL_FILL(Q2_K, BlockQ2_K, fill_q2_k)
    MEMWALL_FILL(Q3_K, BlockQ3_K, fill_q3_k)
    MEMWALL_FILL(Q4_K, BlockQ4_K, fill_q4_k)
    MEMWALL_FILL(Q5_K, BlockQ5_K, fill_q5_k)
    MEMWALL_FILL(Q6_K, BlockQ6_K, fill_q6_k)
    default:
      return make_error("cannot make random weights of type {}", quant::type_info(type).name);
  }
#undef MEMWALL_FILL
}

}  // namespace

Status generate_weights(TensorType type, std::uint64_t n_elements, WeightDistribution dist,
                        std::uint64_t seed, std::uint64_t stream, std::uint64_t offset,
                        std::span<std::byte> out, unsigned n_threads) {
  const quant::TypeInfo& info = quant::type_info(type);
  const std::uint64_t n_blocks = n_elements / info.block_size;
  const std::uint64_t segment_bytes = kBlocksPerSegment * info.bytes_per_block;
  if (offset + out.size() > n_blocks * info.bytes_per_block) {
    return make_error("random weights: range past the end of the tensor");
  }
  const Samplers samplers;
  const std::uint64_t first = offset / segment_bytes;
  const std::uint64_t last = (offset + out.size() + segment_bytes - 1) / segment_bytes;
  std::vector<Status> statuses(last - first);
  parallel_for(static_cast<std::int64_t>(last - first), n_threads, [&](std::int64_t begin, std::int64_t end) {
    std::vector<std::byte> scratch(segment_bytes);
    for (std::int64_t k = begin; k < end; ++k) {
      const std::uint64_t segment = first + static_cast<std::uint64_t>(k);
      const std::uint64_t blocks = std::min(kBlocksPerSegment, n_blocks - segment * kBlocksPerSegment);
      std::uint64_t state = seed ^ (stream * 0x9e3779b97f4a7c15ull);
      Rng rng(splitmix64(state) ^ segment);
      statuses[static_cast<std::size_t>(k)] = generate_segment(type, samplers, dist, rng, blocks, scratch.data());
      // Copy the part of this segment that falls inside [offset, offset + out.size()).
      const std::uint64_t seg_begin = segment * segment_bytes;
      const std::uint64_t from = std::max(seg_begin, offset);
      const std::uint64_t to = std::min(seg_begin + blocks * info.bytes_per_block, offset + out.size());
      if (to > from) std::memcpy(out.data() + (from - offset), scratch.data() + (from - seg_begin), to - from);
    }
  });
  for (const Status& s : statuses) {
    if (!s.ok()) return s;
  }
  return {};
}

}  // namespace memwall::model
