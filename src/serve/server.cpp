#include "memwall/serve/server.hpp"

#include <httplib.h>

#include <fmt/format.h>

#include <atomic>
#include <ctime>
#include <thread>

#include "completion_handler.hpp"

namespace memwall::serve {
namespace {

using nlohmann::json;

constexpr const char* kJson = "application/json";
// Idle keep-alive connections hold a worker thread; a short timeout also bounds how long shutdown
// waits for them (cpp-httplib checks for shutdown only between requests).
constexpr time_t kKeepAliveTimeoutS = 1;
constexpr std::int64_t kExtraWorkers = 8;  // /health, /metrics, /v1/models while the batch is full

std::string default_message(int status) {
  switch (status) {
    case 404: return "no such endpoint";
    case 405: return "method not allowed";
    case 413: return "the request body is too large";
    default: return fmt::format("HTTP {}", status);
  }
}

}  // namespace

struct Server::Impl {
  ServeOptions options;
  httplib::Server http;
  CompletionHandler completions;
  ServeMetrics& metrics;
  std::int64_t started_unix_s = std::time(nullptr);
  std::mutex mutex;  // guards the start-of-run handshake with shutdown()
  bool listening = false;
  std::atomic<bool> stopping{false};

  Impl(ServeOptions o, std::shared_ptr<const Tokenizer> tokenizer, EngineLoop& loop, ServeMetrics& m,
       const Clock& clock)
      : options(std::move(o)), completions(options, std::move(tokenizer), loop, m, clock, stopping), metrics(m) {}

  void routes();
  json models() const;
};

json Server::Impl::models() const {
  return {{"object", "list"},
          {"data", json::array({{{"id", options.model_name},
                                 {"object", "model"},
                                 {"created", started_unix_s},
                                 {"owned_by", "memwall"},
                                 {"max_model_len", options.context}}})}};
}

void Server::Impl::routes() {
  http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    res.status = stopping ? 503 : 200;
    res.set_content(stopping ? R"({"status":"shutting down"})" : R"({"status":"ok"})", kJson);
  });
  http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(dump_json(models()), kJson);
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  http.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
    completions.handle(req, res, Endpoint::completions);
  });
  http.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
    completions.handle(req, res, Endpoint::chat);
  });
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const ApiError e = api_error(res.status, default_message(res.status),
                                 res.status >= 500 ? "server_error" : "invalid_request_error");
    res.set_content(dump_json(error_json(e)), kJson);
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    res.status = 500;
    res.set_content(dump_json(error_json(api_error(500, what, "server_error"))), kJson);
  });
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    metrics.count_request(req.path, res.status);
  });
}

std::unique_ptr<Server> Server::create(ServeOptions options, std::shared_ptr<const Tokenizer> tokenizer,
                                       EngineLoop& engine_loop, ServeMetrics& metrics, const Clock& clock) {
  auto impl = std::make_unique<Impl>(std::move(options), std::move(tokenizer), engine_loop, metrics, clock);
  const auto workers = static_cast<std::size_t>(impl->options.max_running + impl->options.max_waiting + kExtraWorkers);
  impl->http.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  impl->http.set_payload_max_length(impl->options.max_body_bytes);
  impl->http.set_tcp_nodelay(true);
  impl->http.set_keep_alive_max_count(1'000'000);
  impl->http.set_keep_alive_timeout(kKeepAliveTimeoutS);
  impl->routes();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() = default;

Result<int> Server::bind() {
  const ServeOptions& o = impl_->options;
  if (o.port == 0) {
    const int port = impl_->http.bind_to_any_port(o.host);
    if (port <= 0) return make_error("cannot listen on {} (any port)", o.host);
    return port;
  }
  if (!impl_->http.bind_to_port(o.host, o.port)) {
    return make_error("cannot listen on {}:{} (in use, or not an address of this machine)", o.host, o.port);
  }
  return o.port;
}

void Server::run() {
  {
    const std::lock_guard lock(impl_->mutex);
    if (impl_->stopping) return;
    impl_->listening = true;
  }
  impl_->http.listen_after_bind();
}

void Server::shutdown() {
  {
    const std::lock_guard lock(impl_->mutex);
    if (impl_->stopping.exchange(true)) return;
  }
  impl_->completions.end_all();
  // run() may be between its handshake and the listening loop: stop() only acts once it runs.
  for (int waited_ms = 0; waited_ms < 5'000; ++waited_ms) {
    {
      const std::lock_guard lock(impl_->mutex);
      if (!impl_->listening) return;
    }
    if (impl_->http.is_running()) {
      impl_->http.stop();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace memwall::serve
