#pragma once
// `memwall serve`: an OpenAI-compatible HTTP server over the built-in engine's continuous batching.
// /v1/completions and /v1/chat/completions (streamed as server-sent events, or whole), /v1/models,
// /health and /metrics (Prometheus text). Each HTTP connection is served by a worker thread that
// waits on its generation; the engine thread batches all of them.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "memwall/serve/engine_loop.hpp"
#include "memwall/serve/metrics.hpp"
#include "memwall/serve/openai_protocol.hpp"
#include "memwall/serve/tokenizer.hpp"
#include "memwall/util/clock.hpp"
#include "memwall/util/result.hpp"

namespace memwall::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                       // 0 = any free port
  std::string model_name;                // what /v1/models lists and responses name
  std::int64_t max_running = 32;         // sequences in the engine's batch at once
  std::int64_t max_waiting = 256;        // requests queued beyond those; more get 503
  std::size_t max_body_bytes = 1u << 20; // larger request bodies get 413
  RequestLimits limits;
  std::int64_t context = 4096;           // prompt + max_tokens of one request, at most
  bool stop_at_eos = true;               // unless the request sets ignore_eos
};

class Server {
 public:
  // `engine_loop`, `metrics` and `clock` outlive the server.
  static std::unique_ptr<Server> create(ServeOptions options, std::shared_ptr<const Tokenizer> tokenizer,
                                        EngineLoop& engine_loop, ServeMetrics& metrics, const Clock& clock);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; returns the port (the chosen one when options.port is 0).
  Result<int> bind();
  // Serves until shutdown(); returns once every connection has ended.
  void run();
  // Thread-safe: new generations get 503, running ones end (streams with an error event), the
  // listening socket closes and run() returns.
  void shutdown();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace memwall::serve
