#pragma once
// One forward pass over a batch of tokens from any number of sequences: every weight matrix is
// read once for the whole batch. Runs on a pinned thread team as one parallel region, its phases
// separated by barriers; allocates nothing and takes no lock while it runs.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "memwall/engine/attention.hpp"
#include "memwall/engine/kv_cache.hpp"
#include "memwall/engine/model.hpp"
#include "memwall/hw/thread_team.hpp"
#include "memwall/quant/matmul.hpp"

namespace memwall::engine {

struct BatchToken {
  std::int32_t token;
  std::int32_t pos;     // position in its sequence; the cache holds positions 0..pos-1 already
  std::int32_t seq;     // index into the batch's sequences
  bool logits;          // compute this token's next-token logits
};

struct ForwardLimits {
  std::int64_t max_tokens = 512;   // tokens in one batch
  std::int64_t max_logits = 64;    // tokens of one batch that want logits
  std::int64_t max_context = 4096; // positions a sequence may reach
};

// This CPU as the kernels see it (hw::detect_cpu): which kernel sets it runs, and how a decode
// stream asks for its weights (quant::decode_prefetch_bytes).
quant::KernelCpu kernel_cpu();

class Forward {
 public:
  Forward(std::shared_ptr<const Model> model, hw::ThreadTeam& team, quant::KernelIsa isa,
          const ForwardLimits& limits);
  ~Forward();

  // Runs `tokens` (at most max_tokens; those of one sequence consecutive, in position order; at most
  // max_logits wanting logits) and writes the logits of the tokens that want them, in batch order,
  // to logits[i * logits_stride() ...]. `caches[seq]` is each sequence's cache.
  // best_token(i) is then the token of the largest logit of row i (argmax, found by the member
  // that computed each part of the row, while it was in its cache).
  void run(std::span<const BatchToken> tokens, std::span<KvCache* const> caches, float* logits);
  std::int32_t best_token(std::int64_t logits_row) const { return best_tokens_[static_cast<std::size_t>(logits_row)]; }
  // The weight bytes the last run() read: the model's active weights of one token (Model::
  // weight_bytes.per_token), and of a mixture of experts every expert its tokens were routed to in
  // place of one token's k.
  double weight_bytes_read() const;

  std::int64_t n_vocab() const;
  std::int64_t logits_stride() const;  // n_vocab padded to 16
  const ForwardLimits& limits() const { return limits_; }
  const Model& model() const { return *model_; }

 private:
  struct Buffers;
  struct Step;
  void run_member(const Step& step, unsigned member);

  std::shared_ptr<const Model> model_;
  hw::ThreadTeam& team_;
  const quant::Kernels& kernels_;
  quant::KernelCpu cpu_;  // how far ahead streams ask for their bytes (quant::decode_prefetch_bytes)
  const AttentionKernels& attention_;
  ForwardLimits limits_;
  std::vector<double> rope_frequencies_;
  std::unique_ptr<Buffers> buffers_;
  std::vector<std::int32_t> best_tokens_;  // (max_logits)
  double shared_bytes_per_token_ = 0;      // per_token less one token's experts
};

}  // namespace memwall::engine
