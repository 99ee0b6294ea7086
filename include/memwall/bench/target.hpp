#pragma once
// What the runner drives: the built-in engine, or a fake one in tests. One step processes one token
// of every decoding sequence plus a chunk of prompt tokens and reports the tokens it produced.
#include <memory>
#include <vector>

#include "memwall/engine/engine.hpp"

namespace memwall::bench {

class Target {
 public:
  virtual ~Target() = default;
  virtual Result<engine::SequenceId> add(const engine::SequenceRequest& request) = 0;
  virtual engine::StepStats step(std::vector<engine::TokenEvent>& events) = 0;
  virtual bool idle() const = 0;
  virtual std::uint64_t kv_bytes() const = 0;
  // Readies the context every sequence at `depth` starts from (engine::Engine::prepare_depth).
  virtual void prepare_depth(std::int64_t /*depth*/) {}
};

class EngineTarget final : public Target {
 public:
  explicit EngineTarget(std::unique_ptr<engine::Engine> engine) : engine_(std::move(engine)) {}
  Result<engine::SequenceId> add(const engine::SequenceRequest& r) override { return engine_->add(r); }
  engine::StepStats step(std::vector<engine::TokenEvent>& events) override { return engine_->step(events); }
  bool idle() const override { return engine_->idle(); }
  std::uint64_t kv_bytes() const override { return engine_->kv_bytes(); }
  void prepare_depth(std::int64_t depth) override { engine_->prepare_depth(depth); }
  engine::Engine& engine() { return *engine_; }

 private:
  std::unique_ptr<engine::Engine> engine_;
};

}  // namespace memwall::bench
