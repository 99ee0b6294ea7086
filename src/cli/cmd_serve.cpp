// memwall serve: an OpenAI-compatible streaming endpoint over the built-in engine.
#include <pthread.h>
#include <signal.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "commands.hpp"
#include "memwall/bench/sweep.hpp"
#include "memwall/engine/engine.hpp"
#include "memwall/engine/model.hpp"
#include "memwall/gguf/reader.hpp"
#include "memwall/model/presets.hpp"
#include "memwall/serve/engine_loop.hpp"
#include "memwall/serve/server.hpp"
#include "memwall/serve/tokenizer.hpp"
#include "memwall/util/clock.hpp"

namespace memwall::cli {
namespace {

struct ServeCliOptions {
  std::string model;
  std::string quant;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string served_name;
  std::int64_t max_concurrency = 32;
  std::int64_t max_queue = 64;
  std::size_t max_body_bytes = 1u << 20;
  std::int64_t max_tokens = 4096;
  std::int64_t default_max_tokens = 16;
  std::int64_t context = 0;  // 0 = the model's, at most 4096
  unsigned threads = 0;
  std::string kv_type = "f16";
  std::int64_t prefill_budget = bench::kDefaultPrefillBudget;
  bool ignore_eos = false;
  std::uint64_t seed = 1;
};

constexpr std::int64_t kDefaultContext = 4096;

struct LoadedModel {
  std::shared_ptr<const engine::Model> model;
  std::shared_ptr<const serve::Tokenizer> tokenizer;
  std::string name;  // served as
};

Result<model::Scheme> scheme_named(const std::string& name) {
  if (const auto scheme = model::scheme_from_name(name)) return *scheme;
  return make_error("unknown scheme '{}' (see 'memwall model synth --help')", name);
}

// "preset:NAME" (synthesized in memory at --quant, Q4_K_M by default) or a GGUF file (requantized
// at load when --quant is given). The tokenizer comes from the same place.
Result<LoadedModel> load_model(const ServeCliOptions& o) {
  engine::LoadOptions load;
  load.threads = o.threads;
  load.seed = o.seed;
  if (o.model.starts_with("preset:") || !std::filesystem::exists(o.model)) {
    Result<model::Preset> preset = model::find_preset(o.model);
    if (!preset.ok()) return preset.error();
    Result<model::Scheme> scheme = scheme_named(o.quant.empty() ? "Q4_K_M" : o.quant);
    if (!scheme.ok()) return scheme.error();
    Result<std::shared_ptr<const engine::Model>> m = engine::load_preset(preset->spec, *scheme, load);
    if (!m.ok()) return m.error();
    auto tokenizer = std::make_shared<const serve::Tokenizer>(serve::Tokenizer::synthetic(preset->spec.n_vocab));
    return LoadedModel{*m, tokenizer, fmt::format("preset:{}", preset->spec.name)};
  }
  if (!o.quant.empty()) {
    Result<model::Scheme> scheme = scheme_named(o.quant);
    if (!scheme.ok()) return scheme.error();
    load.requantize = *scheme;
  }
  Result<std::shared_ptr<const engine::Model>> m = engine::load_gguf(o.model, load);
  if (!m.ok()) return m.error();
  Result<gguf::GgufFile> file = gguf::GgufFile::open(o.model);
  if (!file.ok()) return file.error();
  auto tokenizer = std::make_shared<const serve::Tokenizer>(serve::Tokenizer::from_gguf(*file, (*m)->spec.n_vocab));
  return LoadedModel{*m, tokenizer, std::filesystem::path(o.model).stem().string()};
}

serve::ServeOptions server_options(const ServeCliOptions& o, const LoadedModel& loaded, std::int64_t context) {
  serve::ServeOptions s;
  s.host = o.host;
  s.port = o.port;
  s.model_name = o.served_name.empty() ? loaded.name : o.served_name;
  s.max_running = o.max_concurrency;
  s.max_waiting = o.max_queue;
  s.max_body_bytes = o.max_body_bytes;
  s.limits = {o.max_tokens, std::min(o.default_max_tokens, o.max_tokens)};
  s.context = context;
  s.stop_at_eos = !o.ignore_eos;
  return s;
}

// Waits for SIGINT or SIGTERM (blocked in every thread, so they queue here) and shuts the server
// down; returns when that is done or when `finished` is set.
void watch_signals(const sigset_t& signals, serve::Server& server, const std::atomic<bool>& finished,
                   std::atomic<int>& received) {
  const timespec poll{0, 200'000'000};
  while (!finished) {
    const int sig = sigtimedwait(&signals, nullptr, &poll);
    if (sig > 0) {
      received = sig;
      server.shutdown();
      return;
    }
  }
}

int run_serve(const ServeCliOptions& o) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts: they inherit it
  signal(SIGPIPE, SIG_IGN);                       // a client that hangs up is an error value, not a signal

  Result<LoadedModel> loaded = load_model(o);
  if (!loaded.ok()) return fail(kExitRuntimeError, loaded.error().message);
  const model::ModelSpec& spec = loaded->model->spec;
  const std::int64_t model_context = spec.context_length ? static_cast<std::int64_t>(spec.context_length) : kDefaultContext;
  const std::int64_t context = o.context ? o.context : std::min(model_context, kDefaultContext);

  engine::EngineOptions engine_options;
  engine_options.threads = o.threads;
  engine_options.kv_type = *engine::kv_type_from_name(o.kv_type);
  engine_options.max_sequences = o.max_concurrency;
  engine_options.max_context = context;
  engine_options.prefill_budget = o.prefill_budget;
  engine_options.max_batch_tokens = o.max_concurrency + o.prefill_budget;  // every decode token and the budget
  const SteadyClock clock;
  serve::ServeMetrics metrics;
  const std::shared_ptr<const engine::Model> model = loaded->model;
  Result<std::unique_ptr<serve::EngineLoop>> loop = serve::EngineLoop::start(
      [&] { return engine::Engine::create(model, engine_options, clock); }, o.max_concurrency, clock, metrics);
  if (!loop.ok()) return fail(kExitRuntimeError, loop.error().message);

  std::unique_ptr<serve::Server> server =
      serve::Server::create(server_options(o, *loaded, context), loaded->tokenizer, **loop, metrics, clock);
  Result<int> port = server->bind();
  if (!port.ok()) return fail(kExitRuntimeError, port.error().message);
  const std::string host = o.host.find(':') != std::string::npos ? fmt::format("[{}]", o.host) : o.host;
  std::cout << fmt::format("listening on http://{}:{}", host, *port) << std::endl;
  std::cerr << fmt::format("memwall serve: {} ({} layers, vocabulary {}), context {}, up to {} sequences at once\n"
                           "memwall serve: tokenizer: {}\n",
                           loaded->model->source, spec.n_layers, spec.n_vocab, context, o.max_concurrency,
                           loaded->tokenizer->note());

  std::atomic<bool> finished{false};
  std::atomic<int> received{0};
  std::thread watcher(watch_signals, std::cref(signals), std::ref(*server), std::cref(finished), std::ref(received));
  server->run();
  finished = true;
  watcher.join();
  server.reset();
  loop->reset();
  if (received) std::cerr << fmt::format("memwall serve: stopped by {}\n", received == SIGINT ? "SIGINT" : "SIGTERM");
  return kExitOk;
}

}  // namespace

Command setup_serve(CLI::App& parent) {
  auto o = std::make_shared<ServeCliOptions>();
  CLI::App* app = parent.add_subcommand("serve", "Serve the built-in engine as an OpenAI-compatible streaming endpoint");
  app->add_option("--model", o->model, "preset:NAME (synthesized in memory) or a GGUF file")->required();
  app->add_option("--quant", o->quant, "Scheme: the preset's weights (default Q4_K_M), or requantize the file at load");
  app->add_option("--host", o->host, "Address to listen on (default 127.0.0.1: this machine only)");
  app->add_option("--port", o->port, "Port; 0 = any free one (printed on the first line of output)")->check(CLI::Range(0, 65535));
  app->add_option("--served-model-name", o->served_name, "Model name to report (default: preset:NAME or the file's stem)");
  app->add_option("--max-concurrency", o->max_concurrency, "Sequences decoded together in the batch")->check(CLI::Range(1, 4096));
  app->add_option("--max-queue", o->max_queue, "Requests waiting for the batch beyond those; more get HTTP 503")->check(CLI::Range(0, 65536));
  app->add_option("--max-body-bytes", o->max_body_bytes, "Largest request body; larger get HTTP 413")->check(CLI::PositiveNumber);
  app->add_option("--max-tokens", o->max_tokens, "Most tokens one request may ask for")->check(CLI::PositiveNumber);
  app->add_option("--default-max-tokens", o->default_max_tokens, "max_tokens when a request does not say")->check(CLI::PositiveNumber);
  app->add_option("--context", o->context, "Prompt + generated tokens of one request (default: the model's, at most 4096)")
      ->check(CLI::PositiveNumber);
  app->add_option("--threads", o->threads, "Engine threads (default: one per physical core)");
  app->add_option("--kv-type", o->kv_type, "KV cache type: f16, q8_0 or f32")->check(CLI::IsMember({"f16", "q8_0", "f32"}));
  app->add_option("--prefill-budget", o->prefill_budget,
                  "Prompt tokens per engine step besides one per decoding request (default 512)")
      ->check(CLI::Range(std::int64_t{1}, bench::kMaxPrefillBudget));
  app->add_flag("--ignore-eos", o->ignore_eos, "Always generate max_tokens, even past the end-of-sequence token");
  app->add_option("--seed", o->seed, "Seed of a preset's synthesized weights");
  return {app, [o] { return run_serve(*o); }};
}

}  // namespace memwall::cli
