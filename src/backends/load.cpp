#include "memwall/backends/load.hpp"

#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "load_runner.hpp"
#include "memwall/backends/prompt.hpp"
#include "memwall/backends/request_builder.hpp"

namespace memwall::backends {
namespace {

// Words of the two calibration prompts: a short one, and a long one (twice the requested length,
// at least 128 words) so that the words' own spread of token counts averages out in the slope.
constexpr std::int64_t kCalibrationShortWords = 16;
constexpr std::int64_t kCalibrationMinLongWords = 128;

Status check_spec(const LoadSpec& spec) {
  if (spec.requests < 1) return make_error("a load needs at least one request");
  if (spec.warmup_requests < 0 || spec.prompt_tokens < 0 || spec.gen_tokens < 1) {
    return make_error("warm-up requests and prompt tokens must be >= 0 and generated tokens >= 1");
  }
  if (!spec.rate_per_s && spec.concurrency < 1) return make_error("a closed loop needs at least one user");
  if (spec.rate_per_s && !(*spec.rate_per_s > 0 && std::isfinite(*spec.rate_per_s))) {
    return make_error("request rate must be a positive number, not {}", *spec.rate_per_s);
  }
  if (spec.concurrency < 0) return make_error("concurrency must be >= 0");
  if (!(spec.tokens_per_word > 0)) return make_error("tokens per word must be positive");
  return {};
}

// Each stream holds a socket: lift the soft descriptor limit towards the hard one when needed.
void raise_descriptor_limit(std::int64_t streams) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const auto wanted = static_cast<rlim_t>(streams + 256);
  if (limit.rlim_cur >= wanted) return;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  setrlimit(RLIMIT_NOFILE, &limit);
}

struct HostPort {
  std::string host;
  std::string port;
};

HostPort host_and_port(const std::string& url) {
  HostPort hp;
  CURLU* u = curl_url();
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* host = nullptr;
    char* port = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) hp.host = host;
    if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) hp.port = port;
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return hp;
}

bool under_invalid_tld(std::string host) {
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!host.empty() && host.back() == '.') host.pop_back();
  return host == "invalid" || (host.size() > 8 && host.ends_with(".invalid"));
}

// Resolves the server's name once for the whole load ("host:port:address" for CURLOPT_RESOLVE), so
// a thousand connections opened at once do not start a thousand lookups. Null when the name is an
// address, when a proxy resolves it, or when the lookup fails (each request then reports it).
curl_slist* pre_resolve(const HostPort& hp, const EndpointConfig& endpoint) {
  if (hp.host.empty() || hp.port.empty() || (endpoint.proxy && !endpoint.proxy->empty())) return nullptr;
  if (hp.host == "localhost" || hp.host.find(':') != std::string::npos || hp.host.front() == '[') return nullptr;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(hp.host.c_str(), hp.port.c_str(), &hints, &found) != 0 || found == nullptr) return nullptr;
  char address[NI_MAXHOST] = {};
  const bool named = getnameinfo(found->ai_addr, found->ai_addrlen, address, sizeof address, nullptr, 0,
                                 NI_NUMERICHOST) == 0;
  const bool numeric = named && hp.host == address;
  freeaddrinfo(found);
  if (!named || numeric) return nullptr;
  const bool ipv6 = std::string_view(address).find(':') != std::string_view::npos;
  const std::string entry = ipv6 ? fmt::format("{}:{}:[{}]", hp.host, hp.port, address)
                                 : fmt::format("{}:{}:{}", hp.host, hp.port, address);
  return curl_slist_append(nullptr, entry.c_str());
}

curl_slist* header_list(const std::vector<std::string>& headers) {
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
  return list;
}

Arrivals arrivals_for(const LoadSpec& spec, std::int64_t count, std::uint64_t phase_seed, std::int64_t now_ns) {
  if (spec.rate_per_s) return Arrivals::open(count, *spec.rate_per_s, spec.concurrency, phase_seed, now_ns);
  return Arrivals::closed(count, spec.concurrency);
}

// Two short requests with known word counts; the server's usage gives tokens per word and the
// fixed cost of a prompt. On failure the given tokens_per_word stays, and the reason is kept.
void calibrate(LoadRunner& runner, const LoadSpec& spec, TokenModel& model, LoadResult& result) {
  const std::int64_t long_words = std::max(kCalibrationMinLongWords, 2 * model.words_for(spec.prompt_tokens));
  const std::vector<PlannedRequest> plans = {{'c', 0, kCalibrationShortWords, 1, 0, true},
                                             {'c', 1, long_words, 1, 0, true}};
  std::vector<RequestTiming> timings;
  if (runner.run_phase(plans, Arrivals::closed(2, 2), timings) < plans.size()) {
    result.calibration_error = "interrupted";
    result.interrupted = true;
    return;
  }
  for (const RequestTiming& t : timings) {
    if (!t.ok()) {
      result.calibration_error = t.error_kind + ": " + t.error_message;
      return;
    }
    if (!t.usage_reported) {
      result.calibration_error = "the server reports no token usage";
      return;
    }
  }
  if (!fit_token_model(kCalibrationShortWords, timings[0].prompt_tokens, long_words, timings[1].prompt_tokens, model)) {
    result.calibration_error = "the server's prompt token counts do not grow with the prompt";
    return;
  }
  result.calibrated = true;
}

std::vector<PlannedRequest> plan_phase(const LoadSpec& spec, const TokenModel& model, std::int64_t first,
                                       std::int64_t count, bool warmup) {
  const std::int64_t words = model.words_for(spec.prompt_tokens);
  std::vector<PlannedRequest> plans;
  for (std::int64_t i = 0; i < count; ++i) {
    plans.push_back({'r', first + i, words, spec.gen_tokens, model.tokens_for(words), warmup});
  }
  return plans;
}

void tally(const LoadSpec& spec, LoadResult& result) {
  const auto measured = result.requests.begin() + std::min<std::ptrdiff_t>(spec.warmup_requests,
                                                                            std::ssize(result.requests));
  for (auto it = result.requests.begin(); it != measured; ++it) result.warmup_failed += it->ok() ? 0 : 1;
  bool first = true;
  for (auto it = measured; it != result.requests.end(); ++it) {
    result.window_start_s = first ? it->scheduled_s : std::min(result.window_start_s, it->scheduled_s);
    result.window_end_s = first ? it->end_s : std::max(result.window_end_s, it->end_s);
    first = false;
    if (it->ok()) {
      ++result.ok;
    } else {
      ++result.failed;
      ++result.errors[it->error_kind];
    }
  }
}

}  // namespace

Result<LoadResult> run_load(const EndpointConfig& endpoint, const LoadSpec& spec, const Clock& clock,
                            const std::atomic<bool>* stop) {
  if (Status s = check_spec(spec); !s.ok()) return s.error();
  Result<RequestBuilder> builder = RequestBuilder::create(endpoint);
  if (!builder.ok()) return builder.error();
  const std::int64_t streams = spec.rate_per_s && spec.concurrency == 0 ? 16384 : spec.concurrency;
  raise_descriptor_limit(streams);
  Result<std::unique_ptr<MultiLoop>> loop = MultiLoop::create(static_cast<long>(std::min<std::int64_t>(streams, 16384) + 16));
  if (!loop.ok()) return loop.error();

  const HostPort hp = host_and_port(builder->url());
  RunnerContext context;
  context.builder = &builder.value();
  context.api = endpoint.api;
  context.unresolvable = under_invalid_tld(hp.host);
  context.connection = {builder->url(), header_list(builder->headers()),
                        context.unresolvable ? nullptr : pre_resolve(hp, endpoint),
                        std::max(1L, std::lround(endpoint.timeouts.connect_s * 1000)), endpoint.proxy,
                        endpoint.verify_tls};
  context.timeouts = endpoint.timeouts;
  context.clock = &clock;
  context.stop = stop;
  context.seed = spec.seed;

  LoadResult result;
  result.start_ns = context.start_ns = clock.now_ns();
  TokenModel model{0, spec.tokens_per_word};
  {
    LoadRunner runner(context, std::move(loop).value());
    if (spec.calibrate && spec.prompt_tokens > 0) calibrate(runner, spec, model, result);
    std::vector<RequestTiming> phase;
    const std::vector<std::pair<std::int64_t, bool>> phases = {{spec.warmup_requests, true}, {spec.requests, false}};
    std::int64_t first = 0;
    for (const auto& [count, warmup] : phases) {
      if (count == 0 || result.interrupted) continue;
      const std::vector<PlannedRequest> plans = plan_phase(spec, model, first, count, warmup);
      const std::size_t sent = runner.run_phase(
          plans, arrivals_for(spec, count, spec.seed ^ (warmup ? 0x5741524dULL : 0), clock.now_ns()), phase);
      result.requests.insert(result.requests.end(), phase.begin(), phase.end());
      result.interrupted = sent < plans.size();
      first += count;
    }
    result.peak_in_flight = runner.peak_in_flight();
  }
  curl_slist_free_all(context.connection.headers);
  curl_slist_free_all(context.connection.resolve);
  result.tokens_per_word = model.tokens_per_word;
  result.prompt_overhead_tokens = model.overhead_tokens;
  tally(spec, result);
  return result;
}

Result<LoadResult> run_load(const EndpointConfig& endpoint, const LoadSpec& spec, const std::atomic<bool>* stop) {
  const SteadyClock clock;
  return run_load(endpoint, spec, clock, stop);
}

}  // namespace memwall::backends
