// A minimal OpenAI-style streaming server that answers as fast as it can, for measuring the client:
// one thread, epoll, non-blocking sockets, keep-alive. Every POST gets an SSE stream of max_tokens
// text chunks (one token each), a finish chunk, a usage chunk and [DONE]. With --interval-us the
// chunks of one stream are paced (chunk i at i x interval after the request arrived); otherwise they
// go out back to back, streams taking turns.
//
// Each text chunk carries "t_ns", the server's CLOCK_MONOTONIC when it was written to the socket.
// GET /stamps returns "index first_chunk_ns" per line for every request seen (the index is the one
// memwall's prompts open with, "r000017-..."), so a client on the same machine can compare its own
// time to first token with the server's send time.
//
//   memwall_fast_server [--port N] [--interval-us N]     prints "listening on http://127.0.0.1:PORT"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "memwall/backends/prompt.hpp"
#include "memwall/util/clock.hpp"

namespace {

using memwall::steady_now_ns;

struct Options {
  int port = 0;
  std::int64_t interval_ns = 0;
};

struct Connection {
  std::string in;            // bytes of the next request(s)
  std::string out;           // bytes the socket has not taken yet
  std::uint64_t stream = 0;  // the current stream's number; 0 = none
  std::int64_t index = -1;   // its prompt index
  std::int64_t sent = 0;     // text chunks sent
  std::int64_t total = 0;    // text chunks to send
  std::int64_t prompt_words = 0;
  std::int64_t start_ns = 0;
};

struct Timer {
  std::int64_t due_ns;
  int fd;
  std::uint64_t stream;
  bool operator>(const Timer& other) const { return due_ns > other.due_ns; }
};

std::string chunked(std::string_view payload) { return fmt::format("{:x}\r\n{}\r\n", payload.size(), payload); }

std::int64_t number_after(std::string_view body, std::string_view key, std::int64_t fallback) {
  const std::size_t at = body.find(key);
  if (at == std::string_view::npos) return fallback;
  std::int64_t value = 0;
  bool any = false;
  for (std::size_t i = at + key.size(); i < body.size() && body[i] >= '0' && body[i] <= '9'; ++i, any = true) {
    value = value * 10 + (body[i] - '0');
  }
  return any ? value : fallback;
}

std::string_view prompt_of(std::string_view body) {
  for (std::string_view key : {std::string_view("\"prompt\":\""), std::string_view("\"content\":\"")}) {
    const std::size_t at = body.find(key);
    if (at != std::string_view::npos) return body.substr(at + key.size());
  }
  return {};
}

class FastServer {
 public:
  explicit FastServer(const Options& options) : options_(options) {}
  int listen_on(int port);
  void run();

 private:
  void accept_all();
  void on_readable(int fd);
  // Starts the requests waiting in c.in, while no stream is running on the connection.
  void process(int fd, Connection& c);
  void on_writable(int fd);
  void start_request(int fd, Connection& c, std::string_view head, std::string_view body);
  void send_next(int fd, Connection& c);
  void flush(int fd, Connection& c);
  void close_connection(int fd);

  Options options_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  std::unordered_map<int, Connection> connections_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::uint64_t next_stream_ = 1;
  std::vector<std::pair<std::int64_t, std::int64_t>> stamps_;  // (index, first chunk ns)
};

int FastServer::listen_on(int port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd_, 4096) != 0) return -1;
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  return ntohs(addr.sin_port);
}

void FastServer::run() {
  std::vector<epoll_event> events(4096);
  for (;;) {
    std::int64_t wait_ns = 100'000'000;
    if (!timers_.empty()) wait_ns = std::max<std::int64_t>(0, timers_.top().due_ns - steady_now_ns());
    const timespec timeout{static_cast<time_t>(wait_ns / 1'000'000'000), static_cast<long>(wait_ns % 1'000'000'000)};
    const int n = epoll_pwait2(epoll_fd_, events.data(), static_cast<int>(events.size()), &timeout, nullptr);
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      const std::uint32_t e = events[static_cast<std::size_t>(i)].events;
      if (fd == listen_fd_) {
        accept_all();
        continue;
      }
      if (e & (EPOLLERR | EPOLLHUP)) {
        close_connection(fd);
        continue;
      }
      if (e & EPOLLOUT) on_writable(fd);
      if ((e & EPOLLIN) && connections_.count(fd)) on_readable(fd);
    }
    // Due chunks, streams taking turns.
    const std::int64_t now = steady_now_ns();
    while (!timers_.empty() && timers_.top().due_ns <= now) {
      const Timer t = timers_.top();
      timers_.pop();
      const auto it = connections_.find(t.fd);
      if (it != connections_.end() && it->second.stream == t.stream) send_next(t.fd, it->second);
    }
  }
}

void FastServer::accept_all() {
  for (;;) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    connections_[fd] = Connection{};
  }
}

void FastServer::on_readable(int fd) {
  Connection& c = connections_[fd];
  char bytes[65536];
  for (;;) {
    const ssize_t n = recv(fd, bytes, sizeof bytes, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return close_connection(fd);
    if (n < 0) break;
    c.in.append(bytes, static_cast<std::size_t>(n));
  }
  process(fd, c);
}

void FastServer::process(int fd, Connection& c) {
  while (c.stream == 0) {  // one request at a time per connection
    const std::size_t head_end = c.in.find("\r\n\r\n");
    if (head_end == std::string::npos) return;
    const auto body_bytes = static_cast<std::size_t>(number_after(std::string_view(c.in).substr(0, head_end),
                                                                  "Content-Length: ", 0));
    if (c.in.size() < head_end + 4 + body_bytes) return;
    const std::string request = c.in.substr(0, head_end + 4 + body_bytes);
    c.in.erase(0, request.size());
    start_request(fd, c, std::string_view(request).substr(0, head_end), std::string_view(request).substr(head_end + 4));
    if (!connections_.count(fd)) return;  // closed while answering
  }
}

void FastServer::start_request(int fd, Connection& c, std::string_view head, std::string_view body) {
  if (head.starts_with("GET /stamps")) {
    std::string text;
    for (const auto& [index, ns] : stamps_) text += fmt::format("{} {}\n", index, ns);
    c.out += fmt::format("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{}", text.size(), text);
    return flush(fd, c);
  }
  const std::string_view prompt = prompt_of(body);
  c.stream = next_stream_++;
  c.index = memwall::backends::prompt_index(prompt, 'r');
  c.total = std::max<std::int64_t>(1, number_after(body, "\"max_tokens\":", 16));
  const std::string_view words = prompt.substr(0, prompt.find('"'));
  c.prompt_words = 1 + static_cast<std::int64_t>(std::count(words.begin(), words.end(), ' '));
  c.sent = 0;
  c.start_ns = steady_now_ns();
  c.out += "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n";
  send_next(fd, c);
}

void FastServer::send_next(int fd, Connection& c) {
  const std::int64_t now = steady_now_ns();
  if (c.sent == 0 && c.index >= 0) stamps_.emplace_back(c.index, now);
  c.out += chunked(fmt::format(
      "data: {{\"id\":\"fast\",\"object\":\"text_completion\",\"model\":\"fast\",\"choices\":[{{\"index\":0,"
      "\"text\":\" tok\",\"finish_reason\":null}}],\"t_ns\":{}}}\n\n",
      now));
  if (++c.sent == c.total) {
    c.out += chunked(
        "data: {\"id\":\"fast\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"\","
        "\"finish_reason\":\"length\"}]}\n\n");
    c.out += chunked(fmt::format(
        "data: {{\"id\":\"fast\",\"object\":\"text_completion\",\"choices\":[],\"usage\":{{\"prompt_tokens\":{},"
        "\"completion_tokens\":{},\"total_tokens\":{}}}}}\n\n",
        c.prompt_words, c.total, c.prompt_words + c.total));
    c.out += chunked("data: [DONE]\n\n");
    c.out += "0\r\n\r\n";
    c.stream = 0;
  } else {
    const std::int64_t due = options_.interval_ns > 0 ? c.start_ns + c.sent * options_.interval_ns : now;
    timers_.push({due, fd, c.stream});
  }
  const bool finished = c.stream == 0;
  flush(fd, c);
  if (finished && connections_.count(fd) && !c.in.empty()) process(fd, c);  // a request already waiting
}

void FastServer::flush(int fd, Connection& c) {
  while (!c.out.empty()) {
    const ssize_t n = send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) return close_connection(fd);
    c.out.erase(0, static_cast<std::size_t>(n));
  }
  epoll_event ev{};
  ev.events = EPOLLIN | (c.out.empty() ? 0u : static_cast<std::uint32_t>(EPOLLOUT));
  ev.data.fd = fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
}

void FastServer::on_writable(int fd) {
  const auto it = connections_.find(fd);
  if (it != connections_.end()) flush(fd, it->second);
}

void FastServer::close_connection(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  connections_.erase(fd);
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--port") {
      o.port = std::atoi(argv[i + 1]);
    } else if (flag == "--interval-us") {
      o.interval_ns = std::atoll(argv[i + 1]) * 1000;
    } else {
      return false;
    }
  }
  return argc % 2 == 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::fprintf(stderr, "usage: memwall_fast_server [--port N] [--interval-us N]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  FastServer server(options);
  const int port = server.listen_on(options.port);
  if (port < 0) {
    std::fprintf(stderr, "memwall_fast_server: cannot listen: %s\n", std::strerror(errno));
    return 1;
  }
  std::printf("listening on http://127.0.0.1:%d\n", port);
  std::fflush(stdout);
  server.run();
}
