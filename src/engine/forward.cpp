// The forward pass. Every member of the thread team runs run_member() once per batch; each phase
// splits its work among the members (matmul rows by 16-row groups, elementwise work by tokens,
// attention by token and KV head) and ends with a barrier, but where the next phase reads only the
// rows this member wrote: a token's elementwise steps, and the quantizing of its matmul input, run
// one after the other on the same member (p.my(n) gives each member the same tokens every time).
// Shapes in the comments are (rows, columns) of row-major float buffers whose rows are padded to
// 16; T = tokens in the batch.
#include "memwall/engine/forward.hpp"

#include <algorithm>
#include <array>

#include "memwall/engine/ops.hpp"
#include "memwall/hw/cpu.hpp"
#include "moe.hpp"
#include "phase.hpp"

namespace memwall::engine {

using detail::MatmulJob;
using detail::pad16;
using detail::Phase;

struct Forward::Buffers {
  std::vector<float> x, xn, tmp;          // (T, n_embd)
  std::vector<float> q, attn;             // (T, q_dim)
  std::vector<float> k, v;                // (T, kv_dim)
  std::vector<float> gate, up;            // (T, n_ff)
  std::vector<float> final_rows;          // (max_logits, n_embd): normed rows that want logits
  std::vector<float> rope_cos, rope_sin;  // (T, head_dim / 2)
  detail::ActivationScratch act;          // quantized matmul inputs
  std::vector<std::vector<float>> scores; // per member: one KV head's query heads over the context
  std::vector<BestLogit> best;            // (members, max_logits): each member's best of its rows
  detail::MoeBuffers moe;
  hw::SpinBarrier barrier;
  detail::WorkRanges work;

  explicit Buffers(unsigned members) : barrier(members), work(members) {}
};

struct Forward::Step {
  std::span<const BatchToken> tokens;
  std::span<KvCache* const> caches;
  std::vector<std::int32_t> logit_tokens;  // batch indices of the tokens that want logits
  float* logits;
};

quant::KernelCpu kernel_cpu() {
  const hw::CpuInfo cpu = hw::detect_cpu();
  const hw::IsaFeatures& f = cpu.isa;
  return {f.has_avx2_fma(), f.has_avx512(), f.avx512vnni, f.neon,
          f.dotprod,        cpu.vendor == "GenuineIntel", cpu.vendor == "AuthenticAMD" ? cpu.family : 0, f.avx_vnni,
          f.amx && quant::amx_tiles_permitted()};
}

Forward::Forward(std::shared_ptr<const Model> model, hw::ThreadTeam& team, quant::KernelIsa isa,
                 const ForwardLimits& limits)
    : model_(std::move(model)),
      team_(team),
      kernels_(quant::kernels_for(isa)),
      cpu_(kernel_cpu()),
      attention_(attention_kernels(isa, cpu_)),
      limits_(limits),
      buffers_(std::make_unique<Buffers>(team.size())) {
  const model::ModelSpec& s = model_->spec;
  rope_frequencies_ = rope_frequencies(s.head_dim, s.rope_base, model_->rope_factors);
  Buffers& b = *buffers_;
  const auto rows = static_cast<std::size_t>(limits.max_tokens);
  const std::int64_t ff = pad16(std::max<std::int64_t>(s.n_ff, 1));
  for (auto* buffer : {&b.x, &b.xn, &b.tmp}) buffer->resize(rows * pad16(s.n_embd));
  for (auto* buffer : {&b.q, &b.attn}) buffer->resize(rows * pad16(s.q_dim()));
  for (auto* buffer : {&b.k, &b.v}) buffer->resize(rows * pad16(s.kv_dim()));
  for (auto* buffer : {&b.gate, &b.up}) buffer->resize(rows * ff);
  b.final_rows.resize(static_cast<std::size_t>(limits.max_logits * pad16(s.n_embd)));
  b.best.resize(static_cast<std::size_t>(team.size() * limits.max_logits));
  best_tokens_.resize(static_cast<std::size_t>(limits.max_logits));
  b.rope_cos.resize(rows * s.head_dim / 2);
  b.rope_sin.resize(rows * s.head_dim / 2);
  const std::int64_t widest = std::max({pad16(s.n_embd), pad16(s.q_dim()), ff});
  b.act = detail::ActivationScratch(std::max(limits.max_tokens, limits.max_logits), widest, cpu_);
  const std::int64_t gqa = s.n_head / s.n_head_kv;
  b.scores.assign(team.size(), std::vector<float>(static_cast<std::size_t>(gqa * (limits.max_context + 16))));
  shared_bytes_per_token_ = model_->weight_bytes.per_token;
  if (s.is_moe()) {
    b.moe = detail::MoeBuffers(s, limits.max_tokens, team.size(), cpu_);
    for (const LayerWeights& l : model_->layers) shared_bytes_per_token_ -= static_cast<double>(s.n_expert_used) * detail::expert_bytes(l, 0);
  }
}

double Forward::weight_bytes_read() const {
  return shared_bytes_per_token_ + buffers_->moe.routed_expert_bytes;  // 0 for a dense model
}

Forward::~Forward() = default;

std::int64_t Forward::n_vocab() const { return model_->spec.n_vocab; }
std::int64_t Forward::logits_stride() const { return model_->output.padded_rows(); }

void Forward::run(std::span<const BatchToken> tokens, std::span<KvCache* const> caches, float* logits) {
  Step step{tokens, caches, {}, logits};
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].logits) step.logit_tokens.push_back(static_cast<std::int32_t>(i));
  }
  buffers_->moe.routed_expert_bytes = 0;
  team_.run([&](unsigned member) { run_member(step, member); });
  const std::size_t rows = step.logit_tokens.size();
  for (std::size_t i = 0; i < rows; ++i) {
    BestLogit best;
    for (unsigned m = 0; m < team_.size(); ++m) best.merge(buffers_->best[m * limits_.max_logits + i]);
    best_tokens_[i] = best.token();
  }
}

void Forward::run_member(const Step& step, unsigned member) {
  const Model& m = *model_;
  const model::ModelSpec& s = m.spec;
  Buffers& b = *buffers_;
  const Phase p{kernels_, member, team_.size(), b.barrier, b.work};
  const auto n = static_cast<std::int64_t>(step.tokens.size());
  const detail::Range mine = p.my(n);
  const std::int64_t embd = pad16(s.n_embd), qd = pad16(s.q_dim()), kvd = pad16(s.kv_dim());
  const std::int64_t half = s.head_dim / 2, gqa = s.n_head / s.n_head_kv;
  const auto eps = static_cast<float>(s.rms_norm_eps);
  const AttentionShape shape{s.n_head, s.n_head_kv, s.head_dim};
  // llama-arch GGUF files have q/k rows permuted for adjacent-pair RoPE; qwen files do not.
  const bool adjacent_pairs = s.arch == model::Arch::llama;

  // x (T, n_embd) = embedding rows; each token's rotary cosines and sines.
  for (std::int64_t t = mine.begin; t < mine.end; ++t) {
    const BatchToken& tok = step.tokens[static_cast<std::size_t>(t)];
    embed_token(m.embedding, tok.token, s.n_embd, b.x.data() + t * embd);
    rope_angles(rope_frequencies_, tok.pos, b.rope_cos.data() + t * half, b.rope_sin.data() + t * half);
  }
  // Each matmul phase names the next one's weights, which the barriers in between ask for. After
  // layer il (-1: the embedding) come layer il + 1's q, k and v, or the output matrix.
  const auto nl = static_cast<std::int64_t>(step.logit_tokens.size());
  std::array<const quant::PackedMatrix*, 3> following{};
  const auto after_layer = [&](std::int64_t il) -> std::span<const quant::PackedMatrix* const> {
    if (il + 1 == s.n_layers) {
      following[0] = &m.output;
      return std::span(following).first(nl > 0 ? 1 : 0);
    }
    const LayerWeights& next = m.layers[static_cast<std::size_t>(il + 1)];
    following = {&next.wq, &next.wk, &next.wv};
    return following;
  };
  p.warm(after_layer(-1));
  p.sync();

  for (std::int64_t il = 0; il < s.n_layers; ++il) {
    const LayerWeights& l = m.layers[static_cast<std::size_t>(il)];

    // q, k, v = Wq, Wk, Wv times rmsnorm(x) * attn_norm
    for (std::int64_t t = mine.begin; t < mine.end; ++t) {
      rms_norm(b.x.data() + t * embd, l.attn_norm.data(), eps, s.n_embd, b.xn.data() + t * embd);
    }
    const quant::TensorType qkv_types[] = {l.wq.type, l.wk.type, l.wv.type};
    const auto xqkv = p.prepare(b.act, qkv_types, b.xn.data(), n, s.n_embd, embd);
    p.sync();
    const MatmulJob qkv[] = {{&l.wq, xqkv[0], b.q.data(), qd}, {&l.wk, xqkv[1], b.k.data(), kvd},
                             {&l.wv, xqkv[2], b.v.data(), kvd}};
    p.matmuls(qkv);
    const quant::PackedMatrix* const next_wo[] = {&l.wo};
    p.warm(next_wo);
    p.sync();

    // Biases, q/k norms, rotary embedding; K and V into each token's cache.
    for (std::int64_t t = mine.begin; t < mine.end; ++t) {
      const BatchToken& tok = step.tokens[static_cast<std::size_t>(t)];
      float *q = b.q.data() + t * qd, *k = b.k.data() + t * kvd, *v = b.v.data() + t * kvd;
      if (!l.bq.empty()) {
        add(l.bq.data(), s.q_dim(), q);
        add(l.bk.data(), s.kv_dim(), k);
        add(l.bv.data(), s.kv_dim(), v);
      }
      const float *cs = b.rope_cos.data() + t * half, *sn = b.rope_sin.data() + t * half;
      for (std::int64_t h = 0; h < s.n_head; ++h) {
        float* qh = q + h * s.head_dim;
        if (!l.q_norm.empty()) rms_norm(qh, l.q_norm.data(), eps, s.head_dim, qh);
        rope_apply(qh, s.head_dim, cs, sn, adjacent_pairs);
      }
      for (std::int64_t h = 0; h < s.n_head_kv; ++h) {
        float* kh = k + h * s.head_dim;
        if (!l.k_norm.empty()) rms_norm(kh, l.k_norm.data(), eps, s.head_dim, kh);
        rope_apply(kh, s.head_dim, cs, sn, adjacent_pairs);
      }
      store_kv(attention_, *step.caches[static_cast<std::size_t>(tok.seq)], il, tok.pos, shape, k, v);
    }
    p.sync();

    // attn (T, q_dim): each token's query heads over its sequence's cache, one KV head at a time.
    // A sequence's first token in the batch reads the cache from DRAM, and the kernels ask ahead for
    // it; the prompt tokens after it find it in cache, where asking ahead cost llama-3.2-1b's and
    // qwen3-30b-a3b's shapes 16-20% (results/engine.md, *Attention that asks ahead for V*).
    const detail::Range items = p.my(n * s.n_head_kv);
    for (std::int64_t i = items.begin; i < items.end; ++i) {
      const std::int64_t t = i / s.n_head_kv, h = i % s.n_head_kv, col = t * qd + h * gqa * s.head_dim;
      const BatchToken& tok = step.tokens[static_cast<std::size_t>(t)];
      KvCache& cache = *step.caches[static_cast<std::size_t>(tok.seq)];
      const bool first = t == 0 || step.tokens[static_cast<std::size_t>(t - 1)].seq != tok.seq;
      attend(attention_, cache, il, h, tok.pos, shape, b.q.data() + col, b.attn.data() + col, b.scores[member].data(),
             first ? kv_prefetch_bytes(cpu_, cache.type()) : 0);
    }
    p.sync();

    // x += Wo attn; xn = rmsnorm(x) * ffn_norm
    const quant::TensorType wo_type[] = {l.wo.type};
    const auto xa = p.prepare(b.act, wo_type, b.attn.data(), n, s.q_dim(), qd);
    p.sync();
    const MatmulJob wo[] = {{&l.wo, xa[0], b.tmp.data(), embd}};
    p.matmuls(wo);
    const quant::PackedMatrix* const next_gate_up[] = {&l.w_gate, &l.w_up};
    const quant::PackedMatrix* const next_router[] = {&l.router};
    s.is_moe() ? p.warm(next_router) : p.warm(next_gate_up);
    p.sync();
    for (std::int64_t t = mine.begin; t < mine.end; ++t) {
      add(b.tmp.data() + t * embd, s.n_embd, b.x.data() + t * embd);
      rms_norm(b.x.data() + t * embd, l.ffn_norm.data(), eps, s.n_embd, b.xn.data() + t * embd);
    }

    // x += feed-forward(xn)
    if (s.is_moe()) {
      detail::moe_forward(p, l, s, b.moe, attention_.silu_mul, b.xn.data(), embd, n, b.x.data(), after_layer(il));
      continue;
    }
    const std::int64_t ff = pad16(s.n_ff);
    const quant::TensorType gate_up_types[] = {l.w_gate.type, l.w_up.type};
    const auto xgu = p.prepare(b.act, gate_up_types, b.xn.data(), n, s.n_embd, embd);
    p.sync();
    const MatmulJob gate_up[] = {{&l.w_gate, xgu[0], b.gate.data(), ff}, {&l.w_up, xgu[1], b.up.data(), ff}};
    p.matmuls(gate_up);
    const quant::PackedMatrix* const next_down[] = {&l.w_down};
    p.warm(next_down);
    p.sync();
    for (std::int64_t t = mine.begin; t < mine.end; ++t) {
      attention_.silu_mul(b.gate.data() + t * ff, b.up.data() + t * ff, s.n_ff, b.gate.data() + t * ff);
    }
    const quant::TensorType down_type[] = {l.w_down.type};
    const auto xh = p.prepare(b.act, down_type, b.gate.data(), n, s.n_ff, ff);
    p.sync();
    const MatmulJob down[] = {{&l.w_down, xh[0], b.tmp.data(), embd}};
    p.matmuls(down);
    p.warm(after_layer(il));
    p.sync();
    for (std::int64_t t = mine.begin; t < mine.end; ++t) add(b.tmp.data() + t * embd, s.n_embd, b.x.data() + t * embd);
  }
  p.sync();

  // logits (n_logits, n_vocab) = Wout rmsnorm(x) * output_norm, for the tokens that want them.
  for (std::int64_t i = p.my(nl).begin; i < p.my(nl).end; ++i) {
    rms_norm(b.x.data() + step.logit_tokens[static_cast<std::size_t>(i)] * embd, m.output_norm.data(), eps,
             s.n_embd, b.final_rows.data() + i * embd);
  }
  p.sync();
  if (nl == 0) return;
  const quant::TensorType out_type[] = {m.output.type};
  const auto xf = p.prepare(b.act, out_type, b.final_rows.data(), nl, s.n_embd, embd);
  p.sync();
  const MatmulJob out[] = {{&m.output, xf[0], step.logits, m.output.padded_rows()}};
  BestLogit* best = b.best.data() + member * limits_.max_logits;
  std::fill(best, best + nl, BestLogit{});
  p.matmuls(out, [&](std::size_t, std::int64_t row_begin, std::int64_t row_end) {
    for (std::int64_t i = 0; i < nl; ++i) {
      best[i].merge(best_logit(step.logits + i * m.output.padded_rows(), row_begin, std::min<std::int64_t>(row_end, s.n_vocab)));
    }
  });
  p.sync();
}

}  // namespace memwall::engine
