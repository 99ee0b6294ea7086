#pragma once
// The one thread that owns the engine: it admits queued generations into the batch, runs step()
// back to back while anything is in flight, and routes every token to the generation it belongs
// to, where the HTTP thread serving that request picks it up.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "memwall/engine/engine.hpp"
#include "memwall/serve/metrics.hpp"
#include "memwall/util/clock.hpp"
#include "memwall/util/result.hpp"

namespace memwall::serve {

enum class FinishReason {
  none,       // still running
  length,     // max_tokens generated
  stop,       // the model generated its end-of-sequence token
  cancelled,  // the client went away
  error,      // the engine refused it (error() says why)
  shutdown,   // the server is stopping
};

const char* finish_reason_name(FinishReason reason);  // "length", "stop", ...

struct GenerationRequest {
  std::vector<std::int32_t> prompt;
  std::int64_t max_tokens = 1;
  std::optional<std::int32_t> stop_token;  // end early when generated (not emitted)
};

// One request's tokens, written by the engine thread and read by the HTTP thread serving it.
class Generation {
 public:
  struct Token {
    std::int32_t id;
    std::int64_t time_ns;  // the end of the step that produced it
  };

  // HTTP side: waits until there are new tokens or the generation has finished (or `timeout_ms`
  // passed); moves the new tokens into `out`. Returns the finish reason (none while running).
  FinishReason wait(std::vector<Token>& out, std::int64_t timeout_ms);
  void cancel();  // the client is gone: the engine drops the sequence at its next step
  const std::string& error() const { return error_; }  // valid once finished with `error`
  std::int64_t submitted_ns() const { return submitted_ns_; }
  std::int64_t prompt_tokens() const { return prompt_tokens_; }

 private:
  friend class EngineLoop;
  void push(Token token);
  void finish(FinishReason reason, std::string error = {});
  bool cancelled() const;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Token> tokens_;
  FinishReason reason_ = FinishReason::none;
  bool cancelled_ = false;
  std::string error_;
  std::int64_t submitted_ns_ = 0;
  std::int64_t prompt_tokens_ = 0;
};

class EngineLoop {
 public:
  using EngineFactory = std::function<Result<std::unique_ptr<engine::Engine>>()>;

  // Creates the engine on the loop's own thread (its thread team binds the creating thread, which
  // then runs every step) and starts it. `max_running`: sequences in the batch at once.
  static Result<std::unique_ptr<EngineLoop>> start(EngineFactory factory, std::int64_t max_running,
                                                   const Clock& clock, ServeMetrics& metrics);
  ~EngineLoop();  // shutdown() and join
  EngineLoop(const EngineLoop&) = delete;
  EngineLoop& operator=(const EngineLoop&) = delete;

  // Queues a generation; it starts when the batch has room.
  std::shared_ptr<Generation> submit(GenerationRequest request);
  // Finishes every queued and running generation with `shutdown`, then stops the thread.
  void shutdown();

 private:
  struct Pending {
    GenerationRequest request;
    std::shared_ptr<Generation> generation;
  };
  struct Running {
    std::shared_ptr<Generation> generation;
    std::optional<std::int32_t> stop_token;
  };

  EngineLoop(std::int64_t max_running, const Clock& clock, ServeMetrics& metrics)
      : max_running_(max_running), clock_(clock), metrics_(metrics) {}
  void thread_main(EngineFactory factory);
  // Waits for work; moves what may start into `admit`. False when stopping.
  bool wait_for_work(std::vector<Pending>& admit);
  void admit(std::vector<Pending>& admit);
  void drop_cancelled();
  void route(const std::vector<engine::TokenEvent>& events);
  void finish_all(FinishReason reason);

  std::int64_t max_running_;
  const Clock& clock_;
  ServeMetrics& metrics_;
  std::unique_ptr<engine::Engine> engine_;  // made, used and destroyed on thread_
  std::thread thread_;

  std::mutex mutex_;  // guards pending_, stopping_ and the start-up handshake
  std::condition_variable wake_;
  std::deque<Pending> pending_;
  bool stopping_ = false;
  bool started_ = false;
  std::optional<Error> start_error_;

  // Engine thread only.
  std::unordered_map<engine::SequenceId, Running> running_;
};

}  // namespace memwall::serve
