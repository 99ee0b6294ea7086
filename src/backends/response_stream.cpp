#include "memwall/backends/response_stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "chunk_fields.hpp"

namespace memwall::backends {
namespace {

std::string excerpt(std::string_view text) {
  constexpr std::size_t kShown = 80;
  return fmt::format("'{}{}'", text.substr(0, kShown), text.size() > kShown ? "..." : "");
}

// What the server said went wrong: error.message, the error string, or the chunk itself.
std::string error_text(const ChunkFields& f, std::string_view payload) {
  return f.error_message.empty() ? excerpt(payload) : f.error_message;
}

}  // namespace

bool ResponseStream::fail(std::string_view kind, std::string message) {
  failure_ = StreamFailure{std::string(kind), std::move(message)};
  return false;
}

bool ResponseStream::feed(std::string_view bytes, std::int64_t t_ns) {
  if (failure_) return false;
  if (api_ == Api::ollama) {
    payloads_.clear();
    const bool framed = lines_.feed(bytes, payloads_);
    for (const std::string& payload : payloads_) {
      if (!take_payload(payload, t_ns)) return false;
    }
    return framed || fail(error_kind::malformed_stream, lines_.error());
  }
  events_.clear();
  const bool framed = sse_.feed(bytes, events_);
  for (const SseEvent& event : events_) {
    if (event.type == "error") return fail(error_kind::stream_error, "error event: " + excerpt(event.data));
    if (!take_payload(event.data, t_ns)) return false;
  }
  return framed || fail(error_kind::malformed_stream, sse_.error());
}

bool ResponseStream::end(std::int64_t t_ns) {
  if (failure_ || done_) return !failure_;
  if (api_ == Api::ollama ? !lines_.has_partial() : !sse_.has_partial()) return true;
  return feed("\n", t_ns);
}

bool ResponseStream::take_payload(std::string_view payload, std::int64_t t_ns) {
  if (done_) return true;  // nothing after the final chunk counts
  return api_ == Api::ollama ? take_ollama(payload, t_ns) : take_openai(payload, t_ns);
}

bool ResponseStream::take_openai(std::string_view payload, std::int64_t t_ns) {
  if (payload == "[DONE]") {
    done_ = true;
    return true;
  }
  const ChunkFields f = scan_chunk(payload);
  if (!f.valid_json || !f.is_object) return fail(error_kind::malformed_stream, "chunk is not a JSON object: " + excerpt(payload));
  if (f.has_error) return fail(error_kind::stream_error, "server error in stream: " + error_text(f, payload));
  if (f.bad_choice) return fail(error_kind::malformed_stream, "choice is not an object: " + excerpt(payload));
  finish_seen_ = finish_seen_ || f.finish;
  std::optional<std::int64_t> cumulative;
  if (f.has_usage) {
    usage_ = Usage{f.prompt_tokens.value_or(0), f.completion_tokens.value_or(0)};
    cumulative = usage_->completion_tokens;
  }
  if (f.has_timings) {  // llama-server
    const auto count = [](std::optional<double> v) { return v ? std::optional(static_cast<std::int64_t>(*v)) : std::nullopt; };
    timings_ = {count(f.prompt_n), f.prompt_ms, count(f.predicted_n), f.predicted_ms};
  }
  if (f.text_bytes > 0) chunks_.push_back({t_ns, f.text_bytes, cumulative});
  return true;
}

bool ResponseStream::take_ollama(std::string_view payload, std::int64_t t_ns) {
  const ChunkFields f = scan_chunk(payload);
  if (!f.valid_json || !f.is_object) return fail(error_kind::malformed_stream, "line is not a JSON object: " + excerpt(payload));
  if (f.has_error) return fail(error_kind::stream_error, "server error in stream: " + error_text(f, payload));
  if (f.text_bytes > 0) chunks_.push_back({t_ns, f.text_bytes, std::nullopt});
  if (f.done) {
    done_ = true;
    const auto count = [](std::optional<double> v) { return v ? std::optional(static_cast<std::int64_t>(*v)) : std::nullopt; };
    const auto ms = [](std::optional<double> ns) { return ns ? std::optional(*ns * 1e-6) : std::nullopt; };
    timings_ = {count(f.prompt_eval_count), ms(f.prompt_eval_duration_ns), count(f.eval_count), ms(f.eval_duration_ns)};
    if (timings_.predicted_tokens) usage_ = Usage{timings_.prompt_tokens.value_or(0), *timings_.predicted_tokens};
  }
  return true;
}

void ResponseStream::restamp_first_text(std::int64_t t_ns) {
  if (chunks_.empty() || t_ns > chunks_.front().t_ns) return;
  if (first_text_read_ns_ == 0) first_text_read_ns_ = chunks_.front().t_ns;
  chunks_.front().t_ns = t_ns;
}

void ResponseStream::account(RequestTiming& out, std::int64_t start_ns) const {
  const auto seconds = [start_ns](std::int64_t t_ns) { return static_cast<double>(t_ns - start_ns) * 1e-9; };
  out.server = timings_;
  std::int64_t total = static_cast<std::int64_t>(chunks_.size());
  if (usage_) {
    out.prompt_tokens = usage_->prompt_tokens;
    total = usage_->completion_tokens;
    out.usage_reported = true;
  }
  out.output_tokens = total;
  out.first_token_s = chunks_.empty() ? RequestTiming::kNone : seconds(chunks_.front().t_ns);
  out.first_token_read_s = chunks_.empty()        ? RequestTiming::kNone
                           : first_text_read_ns_ != 0 ? seconds(first_text_read_ns_)
                                                      : out.first_token_s;
  out.first_token_kernel_stamp = first_text_read_ns_ != 0;
  const std::vector<std::int64_t> counts = tokens_per_chunk(chunks_, total);
  out.token_s.clear();
  out.token_s.reserve(static_cast<std::size_t>(std::max<std::int64_t>(total, 0)));
  for (std::size_t i = 0; i < chunks_.size(); ++i) {
    out.token_s.insert(out.token_s.end(), static_cast<std::size_t>(counts[i]), seconds(chunks_[i].t_ns));
  }
}

namespace {

// More tokens than chunks: shares in proportion to the text, at least one per chunk, rounded by
// largest remainder.
void spread_by_text(const std::vector<TextChunk>& chunks, std::int64_t total, std::vector<std::int64_t>& counts) {
  double weight_sum = 0;
  for (const TextChunk& c : chunks) weight_sum += static_cast<double>(c.text_bytes);
  std::vector<double> quota(chunks.size());
  std::int64_t given = 0;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const double share = weight_sum > 0 ? static_cast<double>(chunks[i].text_bytes) / weight_sum
                                        : 1.0 / static_cast<double>(chunks.size());
    quota[i] = static_cast<double>(total) * share;
    counts[i] = std::max<std::int64_t>(1, static_cast<std::int64_t>(quota[i]));
    given += counts[i];
  }
  std::vector<std::size_t> order(chunks.size());
  std::iota(order.begin(), order.end(), 0);
  // Most under-served first.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return quota[a] - static_cast<double>(counts[a]) > quota[b] - static_cast<double>(counts[b]);
  });
  for (std::size_t r = 0; given < total; ++r, ++given) ++counts[order[r % order.size()]];
  // The minimum of one may have given too many: take back from the most over-served.
  for (auto it = order.rbegin(); given > total; ++it) {
    if (it == order.rend()) it = order.rbegin();
    if (counts[*it] > 1) {
      --counts[*it];
      --given;
    }
  }
}

// Fewer tokens than chunks: token j lands where the text reaches j/total of its length.
void place_by_text(const std::vector<TextChunk>& chunks, std::int64_t total, std::vector<std::int64_t>& counts) {
  std::vector<double> reach(chunks.size());
  double sum = 0;
  for (std::size_t i = 0; i < chunks.size(); ++i) reach[i] = sum += static_cast<double>(std::max<std::int64_t>(chunks[i].text_bytes, 1));
  std::size_t i = 0;
  for (std::int64_t j = 1; j <= total; ++j) {
    const double target = sum * static_cast<double>(j) / static_cast<double>(total);
    while (i + 1 < chunks.size() && reach[i] < target) ++i;
    ++counts[i];
  }
}

}  // namespace

std::vector<std::int64_t> tokens_per_chunk(const std::vector<TextChunk>& chunks, std::int64_t total) {
  std::vector<std::int64_t> counts(chunks.size(), 0);
  const auto m = static_cast<std::int64_t>(chunks.size());
  if (m == 0 || total <= 0) return counts;
  const bool running_counts =
      std::all_of(chunks.begin(), chunks.end(), [](const TextChunk& c) { return c.cumulative_tokens.has_value(); });
  if (running_counts) {
    std::int64_t previous = 0;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      counts[i] = std::max<std::int64_t>(*chunks[i].cumulative_tokens - previous, 0);
      previous = std::max(previous, *chunks[i].cumulative_tokens);
    }
    if (total > previous) counts.back() += total - previous;
    return counts;
  }
  if (total >= m) {
    spread_by_text(chunks, total, counts);
  } else {
    place_by_text(chunks, total, counts);
  }
  return counts;
}

}  // namespace memwall::backends
