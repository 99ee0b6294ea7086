#pragma once
// The two generation endpoints: a request is parsed, tokenized, checked against the context and
// queued on the engine loop; its tokens go back as server-sent events or one JSON response.
#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <variant>
#include <vector>

#include "memwall/serve/engine_loop.hpp"
#include "memwall/serve/metrics.hpp"
#include "memwall/serve/openai_protocol.hpp"
#include "memwall/serve/server.hpp"
#include "memwall/serve/tokenizer.hpp"

namespace memwall::serve {

class CompletionHandler {
 public:
  CompletionHandler(const ServeOptions& options, std::shared_ptr<const Tokenizer> tokenizer, EngineLoop& loop,
                    ServeMetrics& metrics, const Clock& clock, const std::atomic<bool>& stopping)
      : options_(options), tokenizer_(std::move(tokenizer)), loop_(loop), metrics_(metrics), clock_(clock),
        stopping_(stopping) {}

  void handle(const httplib::Request& req, httplib::Response& res, Endpoint endpoint);
  // Ends every generation (streams get an error event) and waits, briefly, for the streams to close.
  void end_all();

 private:
  struct Stream;

  std::variant<std::vector<std::int32_t>, ApiError> prompt_tokens(const CompletionRequest& request) const;
  void respond_whole(httplib::Response& res, const CompletionRequest& request, const ResponseIds& ids,
                     const std::shared_ptr<Generation>& generation) const;
  void respond_stream(httplib::Response& res, const CompletionRequest& request, const ResponseIds& ids,
                      std::shared_ptr<Generation> generation);
  // Writes what the generation has produced since the last call; false when the client is gone.
  bool pump(Stream& stream, httplib::DataSink& sink) const;
  Usage usage(std::int64_t prompt_tokens, std::int64_t completion_tokens, std::int64_t submitted_ns,
              std::int64_t first_ns, std::int64_t last_ns) const;

  const ServeOptions& options_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  EngineLoop& loop_;
  ServeMetrics& metrics_;
  const Clock& clock_;
  const std::atomic<bool>& stopping_;
  std::atomic<std::int64_t> next_id_{0};
  std::atomic<std::int64_t> open_streams_{0};
};

}  // namespace memwall::serve
