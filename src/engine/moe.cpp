#include "moe.hpp"

#include <algorithm>
#include <cstring>

#include "memwall/engine/ops.hpp"
#include "memwall/engine/routing.hpp"

namespace memwall::engine::detail {

MoeBuffers::MoeBuffers(const model::ModelSpec& s, std::int64_t max_tokens, unsigned members,
                       const quant::KernelCpu& cpu) {
  const auto slots = static_cast<std::size_t>(max_tokens * s.n_expert_used);
  const std::int64_t ff = pad16(s.n_ff_expert), embd = pad16(s.n_embd);
  router.resize(static_cast<std::size_t>(max_tokens * pad16(s.n_expert)));
  chosen.resize(slots);
  weight.resize(slots);
  expert_begin.resize(s.n_expert + 1);
  next_row.resize(s.n_expert);
  row_of_slot.resize(slots);
  in.resize(slots * embd);
  gate.resize(slots * ff);
  up.resize(slots * ff);
  out.resize(slots * embd);
  act = ActivationScratch(static_cast<std::int64_t>(slots), std::max(embd, ff), cpu);
  jobs.resize(members);
  for (auto& j : jobs) j.reserve(2 * s.n_expert);
  next.resize(members);
  for (auto& w : next) w.reserve(2 * s.n_expert);
}

namespace {

// Member 0: route every token, order the (token, slot) rows by expert, gather xn into them.
void group_by_expert(const model::ModelSpec& s, MoeBuffers& b, const float* xn, std::int64_t ld, std::int64_t n) {
  const std::int64_t k = s.n_expert_used, embd = pad16(s.n_embd), re = pad16(s.n_expert);
  std::fill(b.expert_begin.begin(), b.expert_begin.end(), 0);
  for (std::int64_t t = 0; t < n; ++t) {
    route(b.router.data() + t * re, s.n_expert, k, b.chosen.data() + t * k, b.weight.data() + t * k);
    for (std::int64_t j = 0; j < k; ++j) ++b.expert_begin[b.chosen[t * k + j] + 1];
  }
  for (std::size_t e = 1; e < b.expert_begin.size(); ++e) b.expert_begin[e] += b.expert_begin[e - 1];
  std::copy(b.expert_begin.begin(), b.expert_begin.end() - 1, b.next_row.begin());
  for (std::int64_t slot = 0; slot < n * k; ++slot) {
    const std::int32_t row = b.next_row[b.chosen[slot]]++;
    b.row_of_slot[slot] = row;
    std::memcpy(b.in.data() + row * embd, xn + (slot / k) * ld, static_cast<std::size_t>(s.n_embd) * sizeof(float));
  }
}

double matrix_bytes(const quant::PackedMatrix& w) { return static_cast<double>(w.rows) * static_cast<double>(w.row_bytes()); }

// The three matrices of every expert that at least one row was routed to.
double routed_bytes(const LayerWeights& l, const MoeBuffers& b) {
  double bytes = 0;
  for (std::size_t e = 0; e + 1 < b.expert_begin.size(); ++e) {
    if (b.expert_begin[e + 1] > b.expert_begin[e]) bytes += expert_bytes(l, e);
  }
  return bytes;
}

}  // namespace

double expert_bytes(const LayerWeights& l, std::size_t e) {
  return matrix_bytes(l.e_gate[e]) + matrix_bytes(l.e_up[e]) + matrix_bytes(l.e_down[e]);
}

void moe_forward(const Phase& p, const LayerWeights& l, const model::ModelSpec& s, MoeBuffers& b, SiluMulFn silu_mul,
                 const float* xn, std::int64_t ld, std::int64_t n, float* x,
                 std::span<const quant::PackedMatrix* const> after) {
  const std::int64_t k = s.n_expert_used, rows = n * k, embd = pad16(s.n_embd), ff = pad16(s.n_ff_expert);
  std::vector<const quant::PackedMatrix*>& next = b.next[p.member];
  // The routed experts' matrices, in the order of the jobs below, for the syncs before them.
  const auto warm_experts = [&](std::initializer_list<const std::vector<quant::PackedMatrix>*> kinds) {
    next.clear();
    for (std::int64_t e = 0; e < s.n_expert; ++e) {
      if (b.expert_begin[e + 1] == b.expert_begin[e]) continue;
      for (const auto* kind : kinds) next.push_back(&(*kind)[static_cast<std::size_t>(e)]);
    }
    p.warm(next);
  };

  // router (T, n_expert) = Wr xn
  const quant::TensorType router_type[] = {l.router.type};
  const auto xr = p.prepare(b.act, router_type, xn, n, s.n_embd, ld);
  p.sync();
  const MatmulJob router[] = {{&l.router, xr[0], b.router.data(), pad16(s.n_expert)}};
  p.matmuls(router);
  p.sync();
  if (p.member == 0) {
    group_by_expert(s, b, xn, ld, n);
    b.routed_expert_bytes += routed_bytes(l, b);
  }
  p.sync();

  // gate, up (rows, n_ff_expert): each expert's matrices times its rows.
  const quant::TensorType in_types[] = {l.e_gate[0].type, l.e_up[0].type};
  const auto xin = p.prepare(b.act, in_types, b.in.data(), rows, s.n_embd, embd);
  warm_experts({&l.e_gate, &l.e_up});
  p.sync();
  std::vector<MatmulJob>& jobs = b.jobs[p.member];
  jobs.clear();
  for (std::int64_t e = 0; e < s.n_expert; ++e) {
    const std::int32_t begin = b.expert_begin[e], count = b.expert_begin[e + 1] - begin;
    if (count == 0) continue;
    jobs.push_back({&l.e_gate[e], quant::activation_rows(xin[0], begin, count), b.gate.data() + begin * ff, ff});
    jobs.push_back({&l.e_up[e], quant::activation_rows(xin[1], begin, count), b.up.data() + begin * ff, ff});
  }
  p.matmuls(jobs);
  warm_experts({&l.e_down});
  p.sync();
  for (std::int64_t r = p.my(rows).begin; r < p.my(rows).end; ++r) {
    silu_mul(b.gate.data() + r * ff, b.up.data() + r * ff, s.n_ff_expert, b.gate.data() + r * ff);
  }

  // out (rows, n_embd) = each expert's down matrix times its rows.
  const quant::TensorType down_type[] = {l.e_down[0].type};
  const auto xh = p.prepare(b.act, down_type, b.gate.data(), rows, s.n_ff_expert, ff);
  p.sync();
  jobs.clear();
  for (std::int64_t e = 0; e < s.n_expert; ++e) {
    const std::int32_t begin = b.expert_begin[e], count = b.expert_begin[e + 1] - begin;
    if (count > 0) jobs.push_back({&l.e_down[e], quant::activation_rows(xh[0], begin, count), b.out.data() + begin * embd, embd});
  }
  p.matmuls(jobs);
  p.warm(after);
  p.sync();

  // x += sum over the token's k experts of weight x output
  for (std::int64_t t = p.my(n).begin; t < p.my(n).end; ++t) {
    for (std::int64_t j = 0; j < k; ++j) {
      const float w = b.weight[t * k + j];
      const float* o = b.out.data() + b.row_of_slot[t * k + j] * embd;
      for (std::int64_t i = 0; i < s.n_embd; ++i) x[t * ld + i] += w * o[i];
    }
  }
  p.sync();
}

}  // namespace memwall::engine::detail
