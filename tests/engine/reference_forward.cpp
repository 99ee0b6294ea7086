#include "reference_forward.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "memwall/model/gguf_io.hpp"
#include "memwall/quant/half.hpp"
#include "memwall/quant/reference.hpp"

namespace memwall::testing {
namespace {

using Vec = std::vector<double>;

// A weight tensor dequantized: rows of ne[0] doubles (3-D experts: ne[2] matrices one after another).
struct Tensor {
  std::vector<std::uint64_t> shape;
  Vec values;
  const double* row(std::uint64_t r) const { return values.data() + r * shape[0]; }
};

class Weights {
 public:
  explicit Weights(const gguf::GgufFile& f) : file_(f) {}
  const Tensor* get(const std::string& name) {
    if (auto it = cache_.find(name); it != cache_.end()) return &it->second;
    const gguf::TensorInfo* info = file_.find_tensor(name);
    if (!info) return nullptr;
    std::vector<float> f(info->n_elements);
    quant::reference_fns(info->type)->dequantize_row(file_.tensor_data(*info).data(), f.data(),
                                                     static_cast<std::int64_t>(info->n_elements));
    Tensor t{info->shape, Vec(f.begin(), f.end())};
    return &cache_.emplace(name, std::move(t)).first->second;
  }
  const Tensor& at(const std::string& name) { return *get(name); }

 private:
  const gguf::GgufFile& file_;
  std::map<std::string, Tensor> cache_;
};

// y = W x for a (rows x cols) matrix stored as rows of cols.
Vec matvec(const Tensor& w, const Vec& x, std::uint64_t matrix = 0) {
  const std::uint64_t cols = w.shape[0], rows = w.shape[1];
  Vec y(rows);
  for (std::uint64_t r = 0; r < rows; ++r) {
    const double* row = w.row(matrix * rows + r);
    y[r] = std::inner_product(row, row + cols, x.begin(), 0.0);
  }
  return y;
}

Vec rms_norm(const Vec& x, const double* weight, double eps) {
  double ss = 0;
  for (double v : x) ss += v * v;
  const double scale = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + eps);
  Vec y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] * scale * weight[i];
  return y;
}

void rope(double* x, std::int64_t d, std::int64_t pos, double base, const Tensor* factors, bool adjacent) {
  for (std::int64_t i = 0; i < d / 2; ++i) {
    double freq = std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(d));
    if (factors) freq /= factors->values[static_cast<std::size_t>(i)];
    const double c = std::cos(pos * freq), s = std::sin(pos * freq);
    double& a = adjacent ? x[2 * i] : x[i];
    double& b = adjacent ? x[2 * i + 1] : x[i + d / 2];
    const double a0 = a, b0 = b;
    a = a0 * c - b0 * s;
    b = a0 * s + b0 * c;
  }
}

void store_row(const double* x, std::int64_t n, ReferenceKv kv, double* out) {
  if (kv == ReferenceKv::f32) {
    std::copy(x, x + n, out);
    return;
  }
  if (kv == ReferenceKv::f16) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = quant::f16_to_f32(quant::f32_to_f16(static_cast<float>(x[i])));
    return;
  }
  const auto& q8 = *quant::reference_fns(quant::TensorType::Q8_0);
  std::vector<float> f(x, x + n), back(static_cast<std::size_t>(n));
  std::vector<std::byte> blocks(quant::bytes_for(quant::TensorType::Q8_0, static_cast<std::uint64_t>(n)));
  q8.quantize_row(f.data(), blocks.data(), n);
  q8.dequantize_row(blocks.data(), back.data(), n);
  std::copy(back.begin(), back.end(), out);
}

// A Q8_0 cache's K is read against the query rounded to Q8 steps too: per block of 32, 255 steps of
// its largest magnitude / 127 (in float, as the engine rounds it).
void round_query(double* q, std::int64_t n, ReferenceKv kv) {
  if (kv != ReferenceKv::q8_0) return;
  for (std::int64_t b = 0; b < n; b += 32) {
    float amax = 0;
    for (std::int64_t j = b; j < b + 32; ++j) amax = std::max(amax, std::abs(static_cast<float>(q[j])));
    const float inverse = amax > 0 ? 127.0f / amax : 0.0f;
    for (std::int64_t j = b; j < b + 32; ++j) q[j] = std::nearbyint(static_cast<float>(q[j]) * inverse) * (amax / 127.0f);
  }
}

double silu(double g) { return g / (1.0 + std::exp(-g)); }

void softmax(Vec& x) {
  const double m = *std::max_element(x.begin(), x.end());
  double sum = 0;
  for (double& v : x) sum += (v = std::exp(v - m));
  for (double& v : x) v /= sum;
}

}  // namespace

Result<ReferenceResult> reference_forward(const gguf::GgufFile& file, std::span<const std::int32_t> tokens, ReferenceKv kv) {
  Result<model::ModelSpec> spec_result = model::spec_from_gguf(file);
  if (!spec_result.ok()) return spec_result.error();
  const model::ModelSpec& s = *spec_result;
  Weights w(file);
  const std::int64_t hd = s.head_dim, n_head = s.n_head, n_kv = s.n_head_kv, gqa = n_head / n_kv;
  const bool adjacent = s.arch == model::Arch::llama;
  const Tensor* factors = w.get("rope_freqs.weight");
  // cache[layer][pos]: (n_kv x hd) keys and values as the engine stores them
  std::vector<std::vector<Vec>> kcache(s.n_layers), vcache(s.n_layers);
  ReferenceResult result;
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    const auto pos = static_cast<std::int64_t>(t);
    const bool last = t + 1 == tokens.size();
    Vec x(w.at("token_embd.weight").row(static_cast<std::uint64_t>(tokens[t])),
          w.at("token_embd.weight").row(static_cast<std::uint64_t>(tokens[t])) + s.n_embd);
    for (std::uint32_t il = 0; il < s.n_layers; ++il) {
      const std::string blk = "blk." + std::to_string(il) + ".";
      const Vec xn = rms_norm(x, w.at(blk + "attn_norm.weight").values.data(), s.rms_norm_eps);
      Vec q = matvec(w.at(blk + "attn_q.weight"), xn), k = matvec(w.at(blk + "attn_k.weight"), xn),
          v = matvec(w.at(blk + "attn_v.weight"), xn);
      if (const Tensor* bq = w.get(blk + "attn_q.bias")) {
        for (std::size_t i = 0; i < q.size(); ++i) q[i] += bq->values[i];
        for (std::size_t i = 0; i < k.size(); ++i) k[i] += w.at(blk + "attn_k.bias").values[i];
        for (std::size_t i = 0; i < v.size(); ++i) v[i] += w.at(blk + "attn_v.bias").values[i];
      }
      for (std::int64_t h = 0; h < n_head; ++h) {
        if (const Tensor* qn = w.get(blk + "attn_q_norm.weight")) {
          const Vec head(q.begin() + h * hd, q.begin() + (h + 1) * hd);
          const Vec normed = rms_norm(head, qn->values.data(), s.rms_norm_eps);
          std::copy(normed.begin(), normed.end(), q.begin() + h * hd);
        }
        rope(q.data() + h * hd, hd, pos, s.rope_base, factors, adjacent);
      }
      for (std::int64_t h = 0; h < n_kv; ++h) {
        if (const Tensor* kn = w.get(blk + "attn_k_norm.weight")) {
          const Vec head(k.begin() + h * hd, k.begin() + (h + 1) * hd);
          const Vec normed = rms_norm(head, kn->values.data(), s.rms_norm_eps);
          std::copy(normed.begin(), normed.end(), k.begin() + h * hd);
        }
        rope(k.data() + h * hd, hd, pos, s.rope_base, factors, adjacent);
      }
      Vec ks(k.size()), vs(v.size());
      for (std::int64_t h = 0; h < n_kv; ++h) {
        store_row(k.data() + h * hd, hd, kv, ks.data() + h * hd);
        store_row(v.data() + h * hd, hd, kv, vs.data() + h * hd);
      }
      kcache[il].push_back(ks);
      vcache[il].push_back(vs);
      Vec attn(static_cast<std::size_t>(n_head * hd), 0.0);
      for (std::int64_t h = 0; h < n_head; ++h) {
        const std::int64_t kh = h / gqa;
        Vec query(q.begin() + h * hd, q.begin() + (h + 1) * hd);
        round_query(query.data(), hd, kv);
        Vec scores(static_cast<std::size_t>(pos + 1));
        for (std::int64_t p = 0; p <= pos; ++p) {
          const double* key = kcache[il][static_cast<std::size_t>(p)].data() + kh * hd;
          scores[static_cast<std::size_t>(p)] =
              std::inner_product(key, key + hd, query.begin(), 0.0) / std::sqrt(static_cast<double>(hd));
        }
        softmax(scores);
        for (std::int64_t p = 0; p <= pos; ++p) {
          const double* value = vcache[il][static_cast<std::size_t>(p)].data() + kh * hd;
          for (std::int64_t d = 0; d < hd; ++d) attn[static_cast<std::size_t>(h * hd + d)] += scores[static_cast<std::size_t>(p)] * value[d];
        }
      }
      const Vec o = matvec(w.at(blk + "attn_output.weight"), attn);
      for (std::size_t i = 0; i < x.size(); ++i) x[i] += o[i];
      const Vec xf = rms_norm(x, w.at(blk + "ffn_norm.weight").values.data(), s.rms_norm_eps);
      Vec ffn(x.size(), 0.0);
      if (!s.is_moe()) {
        const Vec g = matvec(w.at(blk + "ffn_gate.weight"), xf), u = matvec(w.at(blk + "ffn_up.weight"), xf);
        Vec h(g.size());
        for (std::size_t i = 0; i < g.size(); ++i) h[i] = silu(g[i]) * u[i];
        ffn = matvec(w.at(blk + "ffn_down.weight"), h);
      } else {
        Vec probs = matvec(w.at(blk + "ffn_gate_inp.weight"), xf);
        if (last) result.router_logits.push_back(probs);
        softmax(probs);
        std::vector<std::int32_t> order(probs.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) { return probs[a] > probs[b]; });
        order.resize(s.n_expert_used);
        double total = 0;
        for (std::int32_t e : order) total += probs[static_cast<std::size_t>(e)];
        for (std::int32_t e : order) {
          const auto m = static_cast<std::uint64_t>(e);
          const Vec g = matvec(w.at(blk + "ffn_gate_exps.weight"), xf, m), u = matvec(w.at(blk + "ffn_up_exps.weight"), xf, m);
          Vec h(g.size());
          for (std::size_t i = 0; i < g.size(); ++i) h[i] = silu(g[i]) * u[i];
          const Vec d = matvec(w.at(blk + "ffn_down_exps.weight"), h, m);
          for (std::size_t i = 0; i < d.size(); ++i) ffn[i] += probs[static_cast<std::size_t>(e)] / total * d[i];
        }
        if (last) result.experts.push_back(order);
      }
      for (std::size_t i = 0; i < x.size(); ++i) x[i] += ffn[i];
    }
    if (!last) continue;
    const Vec xf = rms_norm(x, w.at("output_norm.weight").values.data(), s.rms_norm_eps);
    const Tensor* out = w.get("output.weight");
    result.logits = matvec(out ? *out : w.at("token_embd.weight"), xf);
  }
  return result;
}

}  // namespace memwall::testing
