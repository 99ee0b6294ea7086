// How much load memwall's HTTP client sustains, and how exactly it stamps the first token.
// Starts the fast streaming server (tests/backends/fast_server.cpp) as a child process, runs a
// closed loop of --streams concurrent streamed requests against it with run_load, and reports:
//   - concurrent streams reached, and streamed chunks per second over the measured window;
//   - the client's CPU use (this process's user + system time over the run's wall time, in cores),
//     and the server's, read from /proc;
//   - the client's time to first token minus the server's send time of that chunk, both read from
//     CLOCK_MONOTONIC on this machine (the server reports its stamps on GET /stamps).
//
//   client_bench [--streams 2000] [--requests N] [--gen 64] [--interval-us 40000] [--server PATH]
#include <curl/curl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "memwall/backends/load.hpp"
#include "memwall/util/clock.hpp"
#include "memwall/util/stats.hpp"

namespace {

using memwall::backends::LoadResult;
using memwall::backends::RequestTiming;

struct Options {
  std::int64_t streams = 2000;
  std::int64_t requests = 0;  // 0 = 4 rounds of streams
  std::int64_t gen = 64;
  std::int64_t interval_us = 40'000;
  std::string server = MEMWALL_FAST_SERVER;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--streams") o.streams = std::stoll(value);
    else if (flag == "--requests") o.requests = std::stoll(value);
    else if (flag == "--gen") o.gen = std::stoll(value);
    else if (flag == "--interval-us") o.interval_us = std::stoll(value);
    else if (flag == "--server") o.server = value;
    else return false;
  }
  return argc % 2 == 1;
}

double cpu_seconds_self() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// utime + stime of a process from /proc/PID/stat, in seconds.
double cpu_seconds_of(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
    if (i == 15) break;
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::size_t append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// index -> the server's send time of that request's first chunk.
std::map<std::int64_t, std::int64_t> server_stamps(const std::string& url) {
  std::string body;
  CURL* easy = curl_easy_init();
  curl_easy_setopt(easy, CURLOPT_URL, (url + "/stamps").c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &append);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_perform(easy);
  curl_easy_cleanup(easy);
  std::map<std::int64_t, std::int64_t> stamps;
  std::istringstream lines(body);
  for (std::int64_t index, ns; lines >> index >> ns;) stamps[index] = ns;
  return stamps;
}

void print_summary(const char* name, const char* unit, std::vector<double> samples) {
  if (samples.empty()) return;
  const memwall::Summary s = memwall::summarize(samples);
  std::printf("  %-34s n=%zu  min %.3f  median %.3f  mean %.3f  p90 %.3f  p99 %.3f  max %.3f %s\n", name, s.n, s.min,
              s.median, s.mean, s.p90, s.p99, s.max, unit);
}

void report(const Options& o, const LoadResult& r, double wall_s, double client_cpu_s, double server_cpu_s,
            const std::map<std::int64_t, std::int64_t>& stamps) {
  std::int64_t chunks = 0;
  std::vector<double> ttft_offset_ms, ttft_ms;
  for (std::size_t i = 0; i < r.requests.size(); ++i) {
    const RequestTiming& t = r.requests[i];
    if (t.warmup || !t.ok()) continue;
    chunks += static_cast<std::int64_t>(t.token_s.size());
    ttft_ms.push_back((t.first_token_s - t.scheduled_s) * 1e3);
    const auto stamp = stamps.find(static_cast<std::int64_t>(i));
    if (stamp == stamps.end()) continue;
    const double client_ns = static_cast<double>(r.start_ns) + t.first_token_s * 1e9;
    ttft_offset_ms.push_back((client_ns - static_cast<double>(stamp->second)) * 1e-6);
  }
  const double window_s = r.window_end_s - r.window_start_s;
  std::printf("client_bench: %lld streams, %lld requests of %lld chunks (+%lld warm-up), server interval %lld us\n",
              static_cast<long long>(o.streams), static_cast<long long>(r.ok + r.failed), static_cast<long long>(o.gen),
              static_cast<long long>(r.requests.size()) - static_cast<long long>(r.ok + r.failed),
              static_cast<long long>(o.interval_us));
  std::printf("  requests ok / failed               %lld / %lld\n", static_cast<long long>(r.ok),
              static_cast<long long>(r.failed));
  for (const auto& [kind, n] : r.errors) std::printf("    %s: %lld\n", kind.c_str(), static_cast<long long>(n));
  std::printf("  peak concurrent streams            %lld\n", static_cast<long long>(r.peak_in_flight));
  std::printf("  measured window                    %.3f s, %lld chunks: %.0f chunks/s\n", window_s,
              static_cast<long long>(chunks), static_cast<double>(chunks) / window_s);
  std::printf("  client CPU (whole run, warm-up in) %.3f s over %.3f s wall: %.3f cores\n", client_cpu_s, wall_s,
              client_cpu_s / wall_s);
  std::printf("  server CPU (same run)              %.3f s: %.3f cores\n", server_cpu_s, server_cpu_s / wall_s);
  print_summary("TTFT, client (ms)", "ms", ttft_ms);
  print_summary("client TTFT - server send (ms)", "ms", ttft_offset_ms);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: client_bench [--streams N] [--requests N] [--gen N] [--interval-us N] [--server PATH]\n");
    return 2;
  }
  if (o.requests == 0) o.requests = 4 * o.streams;
  // The server inherits this: it holds one socket per stream too.
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);

  memwall::testing::ChildProcess server({o.server, "--interval-us", std::to_string(o.interval_us)});
  const int port = memwall::testing::port_of(server.first_line(10'000));
  if (port == 0) {
    std::fprintf(stderr, "client_bench: the fast server did not start (%s)\n", o.server.c_str());
    return 1;
  }
  memwall::backends::EndpointConfig endpoint;
  endpoint.url = fmt::format("http://127.0.0.1:{}", port);
  endpoint.model = "fast";
  endpoint.proxy.emplace();
  memwall::backends::LoadSpec spec;
  spec.concurrency = o.streams;
  spec.requests = o.requests;
  spec.warmup_requests = o.streams;  // opens every connection before the window
  spec.prompt_tokens = 32;
  spec.gen_tokens = o.gen;
  spec.calibrate = false;

  const double server_cpu_before = cpu_seconds_of(server.pid());
  const double cpu_before = cpu_seconds_self();
  const std::int64_t wall_before = memwall::steady_now_ns();
  const memwall::Result<LoadResult> r = memwall::backends::run_load(endpoint, spec);
  const double wall_s = static_cast<double>(memwall::steady_now_ns() - wall_before) * 1e-9;
  const double client_cpu_s = cpu_seconds_self() - cpu_before;
  const double server_cpu_s = cpu_seconds_of(server.pid()) - server_cpu_before;
  if (!r.ok()) {
    std::fprintf(stderr, "client_bench: %s\n", r.error().message.c_str());
    return 1;
  }
  report(o, *r, wall_s, client_cpu_s, server_cpu_s, server_stamps(endpoint.url));
  server.stop(SIGTERM, 5'000);
  return r->failed == 0 ? 0 : 1;
}
