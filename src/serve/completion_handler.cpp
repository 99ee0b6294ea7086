#include "completion_handler.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <thread>

namespace memwall::serve {
namespace {

constexpr const char* kJson = "application/json";
// How long a stream's worker waits for tokens before checking again that the client is there.
constexpr std::int64_t kPollMs = 50;
// How long shutdown waits for streams to send their last event.
constexpr int kDrainMs = 2'000;

void reply_error(httplib::Response& res, const ApiError& error) {
  res.status = error.status;
  res.set_content(dump_json(error_json(error)), kJson);
}

ApiError server_error(FinishReason reason, const std::string& detail) {
  if (reason == FinishReason::shutdown) return api_error(503, "the server is shutting down", "server_error");
  return api_error(500, detail.empty() ? "generation failed" : detail, "server_error");
}

}  // namespace

struct CompletionHandler::Stream {
  std::shared_ptr<Generation> generation;
  Endpoint endpoint = Endpoint::completions;
  ResponseIds ids;
  bool include_usage = false;
  std::int64_t prompt_tokens = 0;
  bool role_sent = false;
  bool done = false;
  std::int64_t completion_tokens = 0;
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
  std::vector<Generation::Token> tokens;  // reused between pumps
};

void CompletionHandler::handle(const httplib::Request& req, httplib::Response& res, Endpoint endpoint) {
  if (stopping_) return reply_error(res, api_error(503, "the server is shutting down", "server_error"));
  std::variant<CompletionRequest, ApiError> parsed = parse_completion_request(req.body, endpoint, options_.limits);
  if (const ApiError* e = std::get_if<ApiError>(&parsed)) return reply_error(res, *e);
  const CompletionRequest& request = std::get<CompletionRequest>(parsed);
  std::variant<std::vector<std::int32_t>, ApiError> tokens = prompt_tokens(request);
  if (const ApiError* e = std::get_if<ApiError>(&tokens)) return reply_error(res, *e);
  // Accepted and not finished, against what the batch and the queue hold.
  if (metrics_.waiting() + metrics_.running() >= options_.max_running + options_.max_waiting) {
    return reply_error(res, api_error(503, fmt::format("{} requests are already waiting; try again later",
                                                       metrics_.waiting()),
                                      "server_error", "", "server_busy"));
  }
  GenerationRequest generation_request;
  generation_request.prompt = std::move(std::get<std::vector<std::int32_t>>(tokens));
  generation_request.max_tokens = request.max_tokens;
  if (options_.stop_at_eos && !request.ignore_eos) generation_request.stop_token = tokenizer_->eos();
  std::shared_ptr<Generation> generation = loop_.submit(std::move(generation_request));
  const ResponseIds ids{fmt::format("{}-{}", endpoint == Endpoint::chat ? "chatcmpl" : "cmpl", ++next_id_),
                        static_cast<std::int64_t>(std::time(nullptr)), options_.model_name};
  if (request.stream) {
    respond_stream(res, request, ids, std::move(generation));
  } else {
    respond_whole(res, request, ids, generation);
  }
}

std::variant<std::vector<std::int32_t>, ApiError> CompletionHandler::prompt_tokens(const CompletionRequest& request) const {
  std::vector<std::int32_t> tokens = request.prompt_tokens;
  for (std::int32_t t : tokens) {
    if (static_cast<std::uint32_t>(t) >= tokenizer_->n_vocab()) {
      return api_error(400, fmt::format("token id {} is outside the vocabulary of {}", t, tokenizer_->n_vocab()),
                       "invalid_request_error", "prompt");
    }
  }
  if (tokens.empty()) tokens = tokenizer_->encode(request.prompt);
  if (tokens.empty()) return api_error(400, "the prompt has no tokens", "invalid_request_error", "prompt");
  const auto total = static_cast<std::int64_t>(tokens.size()) + request.max_tokens;
  if (total > options_.context) {
    return api_error(400,
                     fmt::format("This model's maximum context length is {} tokens. However, you requested {} tokens "
                                 "({} in the prompt, {} for the completion).",
                                 options_.context, total, tokens.size(), request.max_tokens),
                     "invalid_request_error", "max_tokens", "context_length_exceeded");
  }
  return tokens;
}

Usage CompletionHandler::usage(std::int64_t prompt_tokens, std::int64_t completion_tokens, std::int64_t submitted_ns,
                               std::int64_t first_ns, std::int64_t last_ns) const {
  Usage u{prompt_tokens, completion_tokens, 0, 0};
  if (first_ns != 0) {
    u.prompt_ms = static_cast<double>(first_ns - submitted_ns) * 1e-6;
    u.predicted_ms = static_cast<double>(last_ns - first_ns) * 1e-6;
  }
  return u;
}

void CompletionHandler::respond_whole(httplib::Response& res, const CompletionRequest& request, const ResponseIds& ids,
                                      const std::shared_ptr<Generation>& generation) const {
  std::vector<Generation::Token> tokens;
  std::string text;
  std::int64_t count = 0, first_ns = 0, last_ns = 0;
  FinishReason reason = FinishReason::none;
  while (reason == FinishReason::none) {
    tokens.clear();
    reason = generation->wait(tokens, 1'000);
    for (const Generation::Token& t : tokens) {
      text += tokenizer_->decode(t.id);
      if (count++ == 0) first_ns = t.time_ns;
      last_ns = t.time_ns;
    }
  }
  if (reason != FinishReason::length && reason != FinishReason::stop) {
    return reply_error(res, server_error(reason, generation->error()));
  }
  const Usage u = usage(generation->prompt_tokens(), count, generation->submitted_ns(), first_ns, last_ns);
  res.set_content(dump_json(full_response(request.endpoint, ids, text, finish_reason_name(reason), u)), kJson);
}

void CompletionHandler::respond_stream(httplib::Response& res, const CompletionRequest& request, const ResponseIds& ids,
                                       std::shared_ptr<Generation> generation) {
  auto stream = std::make_shared<Stream>();
  stream->prompt_tokens = generation->prompt_tokens();
  stream->generation = std::move(generation);
  stream->endpoint = request.endpoint;
  stream->ids = ids;
  stream->include_usage = request.include_usage;
  ++open_streams_;
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, stream](std::size_t, httplib::DataSink& sink) {
        if (pump(*stream, sink)) return true;
        stream->generation->cancel();
        return false;
      },
      [this, stream](bool) {
        if (!stream->done) stream->generation->cancel();
        --open_streams_;
      });
}

bool CompletionHandler::pump(Stream& s, httplib::DataSink& sink) const {
  std::string out;
  if (s.endpoint == Endpoint::chat && !s.role_sent) {
    out += sse_data(role_chunk(s.ids));
    s.role_sent = true;
  }
  s.tokens.clear();
  const FinishReason reason = s.generation->wait(s.tokens, kPollMs);
  for (const Generation::Token& t : s.tokens) {
    out += sse_data(stream_chunk(s.endpoint, s.ids, tokenizer_->decode(t.id), std::nullopt));
    if (s.completion_tokens++ == 0) s.first_ns = t.time_ns;
    s.last_ns = t.time_ns;
  }
  if (reason == FinishReason::length || reason == FinishReason::stop) {
    out += sse_data(stream_chunk(s.endpoint, s.ids, "", finish_reason_name(reason)));
    if (s.include_usage) {
      const Usage u = usage(s.prompt_tokens, s.completion_tokens, s.generation->submitted_ns(), s.first_ns, s.last_ns);
      out += sse_data(usage_chunk(s.endpoint, s.ids, u));
    }
    out += "data: [DONE]\n\n";
  } else if (reason == FinishReason::error || reason == FinishReason::shutdown) {
    out += sse_data(error_json(server_error(reason, s.generation->error())));
  }
  if (!out.empty() && !sink.write(out.data(), out.size())) return false;
  if (reason != FinishReason::none) {
    s.done = true;
    sink.done();
  }
  return true;
}

void CompletionHandler::end_all() {
  loop_.shutdown();
  for (int waited_ms = 0; open_streams_ > 0 && waited_ms < kDrainMs; ++waited_ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace memwall::serve
