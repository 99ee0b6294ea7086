#include "memwall/serve/engine_loop.hpp"

#include <chrono>

namespace memwall::serve {

const char* finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::none: return "none";
    case FinishReason::length: return "length";
    case FinishReason::stop: return "stop";
    case FinishReason::cancelled: return "cancelled";
    case FinishReason::error: return "error";
    case FinishReason::shutdown: return "shutdown";
  }
  return "?";
}

FinishReason Generation::wait(std::vector<Token>& out, std::int64_t timeout_ms) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                    [&] { return !tokens_.empty() || reason_ != FinishReason::none; });
  out.insert(out.end(), tokens_.begin(), tokens_.end());
  tokens_.clear();
  return reason_;
}

void Generation::cancel() {
  const std::lock_guard lock(mutex_);
  cancelled_ = true;
}

bool Generation::cancelled() const {
  const std::lock_guard lock(mutex_);
  return cancelled_;
}

void Generation::push(Token token) {
  {
    const std::lock_guard lock(mutex_);
    tokens_.push_back(token);
  }
  changed_.notify_all();
}

void Generation::finish(FinishReason reason, std::string error) {
  {
    const std::lock_guard lock(mutex_);
    if (reason_ != FinishReason::none) return;
    reason_ = reason;
    error_ = std::move(error);
  }
  changed_.notify_all();
}

Result<std::unique_ptr<EngineLoop>> EngineLoop::start(EngineFactory factory, std::int64_t max_running,
                                                      const Clock& clock, ServeMetrics& metrics) {
  auto loop = std::unique_ptr<EngineLoop>(new EngineLoop(max_running, clock, metrics));
  loop->thread_ = std::thread([l = loop.get(), f = std::move(factory)] { l->thread_main(f); });
  std::optional<Error> error;
  {
    std::unique_lock lock(loop->mutex_);
    loop->wake_.wait(lock, [&] { return loop->started_; });
    error = loop->start_error_;
  }
  if (error) return *error;  // the thread has ended; the destructor joins it
  return loop;
}

EngineLoop::~EngineLoop() { shutdown(); }

void EngineLoop::shutdown() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

std::shared_ptr<Generation> EngineLoop::submit(GenerationRequest request) {
  auto generation = std::make_shared<Generation>();
  generation->submitted_ns_ = clock_.now_ns();
  generation->prompt_tokens_ = static_cast<std::int64_t>(request.prompt.size());
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      generation->finish(FinishReason::shutdown);
      return generation;
    }
    pending_.push_back({std::move(request), generation});
    metrics_.set_waiting(static_cast<std::int64_t>(pending_.size()));
  }
  wake_.notify_all();
  return generation;
}

void EngineLoop::thread_main(EngineFactory factory) {
  Result<std::unique_ptr<engine::Engine>> engine = factory();
  {
    const std::lock_guard lock(mutex_);
    started_ = true;
    if (engine.ok()) {
      engine_ = std::move(engine).value();
    } else {
      start_error_ = engine.error();
    }
  }
  wake_.notify_all();
  if (!engine_) return;
  std::vector<Pending> admitted;
  std::vector<engine::TokenEvent> events;
  while (wait_for_work(admitted)) {
    admit(admitted);
    drop_cancelled();
    if (!engine_->idle()) {
      events.clear();
      const engine::StepStats stats = engine_->step(events);
      metrics_.record_step(stats.sequences, stats.decode_tokens + stats.prefill_tokens, stats.end_ns - stats.start_ns);
      route(events);
    }
    metrics_.set_running(static_cast<std::int64_t>(running_.size()));
  }
  finish_all(FinishReason::shutdown);
  engine_.reset();  // its thread team was bound from this thread, and is let go here
}

bool EngineLoop::wait_for_work(std::vector<Pending>& admit) {
  std::unique_lock lock(mutex_);
  const auto room = [&] { return static_cast<std::int64_t>(running_.size() + admit.size()) < max_running_; };
  wake_.wait(lock, [&] { return stopping_ || !running_.empty() || (!pending_.empty() && room()); });
  if (stopping_) return false;
  while (!pending_.empty() && room()) {
    admit.push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
  metrics_.set_waiting(static_cast<std::int64_t>(pending_.size()));
  return true;
}

void EngineLoop::admit(std::vector<Pending>& admitted) {
  for (Pending& p : admitted) {
    if (p.generation->cancelled()) {
      p.generation->finish(FinishReason::cancelled);
      continue;
    }
    Result<engine::SequenceId> id = engine_->add({p.request.prompt, p.request.max_tokens, 0});
    if (!id.ok()) {
      p.generation->finish(FinishReason::error, id.error().message);
      continue;
    }
    metrics_.add_prompt_tokens(static_cast<std::int64_t>(p.request.prompt.size()));
    running_.emplace(*id, Running{std::move(p.generation), p.request.stop_token});
  }
  admitted.clear();
}

void EngineLoop::drop_cancelled() {
  for (auto it = running_.begin(); it != running_.end();) {
    if (!it->second.generation->cancelled()) {
      ++it;
      continue;
    }
    engine_->cancel(it->first);
    it->second.generation->finish(FinishReason::cancelled);
    it = running_.erase(it);
  }
}

void EngineLoop::route(const std::vector<engine::TokenEvent>& events) {
  for (const engine::TokenEvent& event : events) {
    const auto it = running_.find(event.seq);
    if (it == running_.end()) continue;
    Generation& generation = *it->second.generation;
    if (it->second.stop_token && event.token == *it->second.stop_token) {
      if (!event.last) engine_->cancel(event.seq);
      generation.finish(FinishReason::stop);
      running_.erase(it);
      continue;
    }
    generation.push({event.token, event.time_ns});
    metrics_.add_generated_tokens(1);
    if (event.first) metrics_.add_time_to_first_token(static_cast<double>(event.time_ns - generation.submitted_ns()) * 1e-9);
    if (event.last) {
      generation.finish(FinishReason::length);
      running_.erase(it);
    }
  }
}

void EngineLoop::finish_all(FinishReason reason) {
  for (auto& [id, running] : running_) {
    engine_->cancel(id);
    running.generation->finish(reason);
  }
  running_.clear();
  const std::lock_guard lock(mutex_);
  for (Pending& p : pending_) p.generation->finish(reason);
  pending_.clear();
  metrics_.set_waiting(0);
  metrics_.set_running(0);
}

}  // namespace memwall::serve
