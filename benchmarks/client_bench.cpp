// How much load memwall's HTTP client sustains, and how exactly it stamps the first token.
// Starts the fast streaming server (tests/backends/fast_server.cpp) as a child process, runs a
// closed loop of --streams concurrent streamed requests against it with run_load, and reports:
//   - concurrent streams reached, and streamed chunks per second over the measured window;
//   - the client's CPU use (this process's user + system time over the run's wall time, in cores),
//     and the server's, read from /proc;
//   - the client's time to first token minus the server's send time of that chunk, both read from
//     CLOCK_MONOTONIC on this machine (the server reports its stamps on GET /stamps): with the
//     first token's arrival stamp (the kernel's receive stamp when the client could establish it)
//     and with the time the client read it.
//
// Closed loop by default: --streams users start together and stay in lockstep (every stream has
// the same length and pacing), as on a server that batches them, so chunks come in bursts of
// --streams. With --rate R, requests arrive as a Poisson process instead (open loop, no cap) and
// the streams, spread in time, make a steady flow; R = streams / (gen x interval) keeps --streams
// of them open on average.
//
//   client_bench [--streams 2000] [--rate R] [--requests N] [--gen 64] [--interval-us 40000]
//                [--server PATH]
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
#include "fast_server_stamps.hpp"
#include "memwall/backends/load.hpp"
#include "memwall/util/clock.hpp"
#include "memwall/util/stats.hpp"

namespace {

using memwall::backends::LoadResult;
using memwall::backends::RequestTiming;

struct Options {
  std::int64_t streams = 2000;
  double rate_per_s = 0;  // > 0: open loop
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
    else if (flag == "--rate") o.rate_per_s = std::stod(value);
    else if (flag == "--requests") o.requests = std::stoll(value);
    else if (flag == "--gen") o.gen = std::stoll(value);
    else if (flag == "--interval-us") o.interval_us = std::stoll(value);
    else if (flag == "--server") o.server = value;
    else return false;
  }
  return argc % 2 == 1;
}

struct CpuTime {
  double user_s = 0;
  double system_s = 0;
  double total() const { return user_s + system_s; }
  CpuTime operator-(const CpuTime& o) const { return {user_s - o.user_s, system_s - o.system_s}; }
};

double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; }

CpuTime cpu_self() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return {seconds(u.ru_utime), seconds(u.ru_stime)};
}

// utime and stime of a process from /proc/PID/stat.
CpuTime cpu_of(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  CpuTime t;
  const auto tick_s = 1.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
  for (int i = 3; fields >> field && i <= 15; ++i) {
    if (i == 14) t.user_s = std::stod(field) * tick_s;
    if (i == 15) t.system_s = std::stod(field) * tick_s;
  }
  return t;
}

// The machine's CPU time by state from /proc/stat's first line (all CPUs), in ticks: what else ran,
// and what the hypervisor took (steal), while the benchmark did.
struct MachineTicks {
  std::vector<long long> ticks;  // user nice system idle iowait irq softirq steal
};

MachineTicks machine_ticks() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  MachineTicks m;
  in >> cpu;
  for (long long t; m.ticks.size() < 8 && in >> t;) m.ticks.push_back(t);
  return m;
}

void print_machine(const MachineTicks& before, const MachineTicks& after) {
  if (before.ticks.size() < 8 || after.ticks.size() < 8) return;
  std::vector<double> d(8);
  double total = 0;
  for (std::size_t i = 0; i < 8; ++i) total += d[i] = static_cast<double>(after.ticks[i] - before.ticks[i]);
  std::printf("  machine (all CPUs, same run)       busy %.0f%% (user %.0f%%, system %.0f%%, softirq %.0f%%), "
              "idle %.0f%%, stolen by the hypervisor %.1f%%\n",
              100 * (total - d[3] - d[4] - d[7]) / total, 100 * (d[0] + d[1]) / total, 100 * d[2] / total,
              100 * d[6] / total, 100 * (d[3] + d[4]) / total, 100 * d[7] / total);
}


void print_summary(const char* name, const char* unit, std::vector<double> samples) {
  if (samples.empty()) return;
  const memwall::Summary s = memwall::summarize(samples);
  std::printf("  %-34s n=%zu  min %.3f  median %.3f  mean %.3f  p90 %.3f  p99 %.3f  max %.3f %s\n", name, s.n, s.min,
              s.median, s.mean, s.p90, s.p99, s.max, unit);
}

struct Usage {
  double wall_s = 0;
  CpuTime client, server;
  MachineTicks machine_before, machine_after;
};

void report(const Options& o, const LoadResult& r, const Usage& u, const std::map<std::int64_t, std::int64_t>& stamps) {
  const double wall_s = u.wall_s;
  const CpuTime& client = u.client;
  const CpuTime& server = u.server;
  std::int64_t chunks = 0, kernel_stamped = 0;
  std::vector<double> ttft_offset_ms, read_offset_ms, ttft_ms;
  const auto after_send_ms = [&r](double client_s, std::int64_t server_ns) {
    return (static_cast<double>(r.start_ns) + client_s * 1e9 - static_cast<double>(server_ns)) * 1e-6;
  };
  for (std::size_t i = 0; i < r.requests.size(); ++i) {
    const RequestTiming& t = r.requests[i];
    if (t.warmup || !t.ok()) continue;
    chunks += static_cast<std::int64_t>(t.token_s.size());
    kernel_stamped += t.first_token_kernel_stamp ? 1 : 0;
    ttft_ms.push_back((t.first_token_s - t.scheduled_s) * 1e3);
    const auto stamp = stamps.find(static_cast<std::int64_t>(i));
    if (stamp == stamps.end()) continue;
    ttft_offset_ms.push_back(after_send_ms(t.first_token_s, stamp->second));
    read_offset_ms.push_back(after_send_ms(t.first_token_read_s, stamp->second));
  }
  const double window_s = r.window_end_s - r.window_start_s;
  std::printf("client_bench: %s, %lld requests of %lld chunks (+%lld warm-up), server interval %lld us\n",
              o.rate_per_s > 0 ? fmt::format("open loop at {} requests/s", o.rate_per_s).c_str()
                               : fmt::format("closed loop, {} streams", o.streams).c_str(),
              static_cast<long long>(r.ok + r.failed), static_cast<long long>(o.gen),
              static_cast<long long>(r.requests.size()) - static_cast<long long>(r.ok + r.failed),
              static_cast<long long>(o.interval_us));
  std::printf("  requests ok / failed               %lld / %lld\n", static_cast<long long>(r.ok),
              static_cast<long long>(r.failed));
  for (const auto& [kind, n] : r.errors) std::printf("    %s: %lld\n", kind.c_str(), static_cast<long long>(n));
  std::printf("  peak concurrent streams            %lld\n", static_cast<long long>(r.peak_in_flight));
  std::printf("  measured window                    %.3f s, %lld chunks: %.0f chunks/s\n", window_s,
              static_cast<long long>(chunks), static_cast<double>(chunks) / window_s);
  std::printf("  client CPU (whole run, warm-up in) %.3f s over %.3f s wall: %.3f cores (user %.3f, system %.3f)\n",
              client.total(), wall_s, client.total() / wall_s, client.user_s / wall_s, client.system_s / wall_s);
  std::printf("  server CPU (same run)              %.3f s: %.3f cores (user %.3f, system %.3f)\n", server.total(),
              server.total() / wall_s, server.user_s / wall_s, server.system_s / wall_s);
  print_machine(u.machine_before, u.machine_after);
  print_summary("TTFT, client (ms)", "ms", ttft_ms);
  print_summary("client TTFT - server send (ms)", "ms", ttft_offset_ms);
  print_summary("client read - server send (ms)", "ms", read_offset_ms);
  const auto over_1ms = std::count_if(ttft_offset_ms.begin(), ttft_offset_ms.end(), [](double ms) { return ms > 1.0; });
  std::printf("  first tokens stamped > 1 ms after the server sent them: %lld of %zu\n", static_cast<long long>(over_1ms),
              ttft_offset_ms.size());
  std::printf("  first tokens with the kernel's receive stamp: %lld of %lld (the others: their read time)\n",
              static_cast<long long>(kernel_stamped), static_cast<long long>(r.ok));
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr, "usage: client_bench [--streams N] [--rate R] [--requests N] [--gen N] [--interval-us N] "
                         "[--server PATH]\n");
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
  spec.concurrency = o.rate_per_s > 0 ? 0 : o.streams;
  if (o.rate_per_s > 0) spec.rate_per_s = o.rate_per_s;
  spec.requests = o.requests;
  spec.warmup_requests = o.streams;  // opens the connections before the window
  spec.prompt_tokens = 32;
  spec.gen_tokens = o.gen;
  spec.calibrate = false;

  Usage usage;
  usage.machine_before = machine_ticks();
  const CpuTime server_before = cpu_of(server.pid());
  const CpuTime client_before = cpu_self();
  const std::int64_t wall_before = memwall::steady_now_ns();
  const memwall::Result<LoadResult> r = memwall::backends::run_load(endpoint, spec);
  usage.wall_s = static_cast<double>(memwall::steady_now_ns() - wall_before) * 1e-9;
  usage.client = cpu_self() - client_before;
  usage.server = cpu_of(server.pid()) - server_before;
  usage.machine_after = machine_ticks();
  if (!r.ok()) {
    std::fprintf(stderr, "client_bench: %s\n", r.error().message.c_str());
    return 1;
  }
  report(o, *r, usage, memwall::testing::fast_server_send_ns(endpoint.url));
  server.stop(SIGTERM, 5'000);
  return r->failed == 0 ? 0 : 1;
}
