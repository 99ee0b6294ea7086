#include "fault_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

namespace memwall::testing {
namespace {

int loopback_socket(int& port, int backlog) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind failed");
  if (backlog >= 0 && listen(fd, backlog) != 0) throw std::runtime_error("listen failed");
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// One HTTP/1.1 chunk of the chunked transfer coding.
std::string chunk(std::string_view payload) { return fmt::format("{:x}\r\n{}\r\n", payload.size(), payload); }

std::string sse(std::string_view json) { return chunk(fmt::format("data: {}\n\n", json)); }

std::string text_chunk(std::string_view text) {
  return sse(fmt::format(R"({{"id":"x","object":"text_completion","choices":[{{"index":0,"text":"{}","finish_reason":null}}]}})", text));
}

constexpr std::string_view kStreamHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
constexpr std::string_view kEnd = "0\r\n\r\n";

std::string ok_stream() {
  std::string s(kStreamHead);
  for (const char* t : {"one", " two", " three", " four"}) s += text_chunk(t);
  s += sse(R"({"id":"x","object":"text_completion","choices":[{"index":0,"text":"","finish_reason":"length"}]})");
  s += sse(R"({"id":"x","object":"text_completion","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":4,"total_tokens":15}})");
  s += sse("[DONE]");
  return s + std::string(kEnd);
}

std::string ollama_stream() {
  std::string s = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const char* t : {"one", " two", " three"}) s += chunk(fmt::format(R"({{"model":"m","response":"{}","done":false}})" "\n", t));
  s += chunk(R"({"model":"m","response":"","done":true,"prompt_eval_count":9,"prompt_eval_duration":2000000,)"
             R"("eval_count":3,"eval_duration":6000000})" "\n");
  return s + std::string(kEnd);
}

std::string plain_response(int status, std::string_view reason, std::string_view type, std::string_view body) {
  return fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n{}", status, reason, type,
                     body.size(), body);
}

}  // namespace

FaultServer::FaultServer() {
  listen_fd_ = loopback_socket(port_, 128);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultServer::~FaultServer() {
  stopping_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  acceptor_.join();
  {
    const std::lock_guard lock(mutex_);
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
  }
  for (std::thread& t : workers_) t.join();
}

std::string FaultServer::url(std::string_view fault) const {
  return fmt::format("http://127.0.0.1:{}/fault/{}", port_, fault);
}

std::vector<std::string> FaultServer::heads() const {
  const std::lock_guard lock(mutex_);
  return heads_;
}

void FaultServer::accept_loop() {
  while (!stopping_) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const std::lock_guard lock(mutex_);
    open_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void FaultServer::serve(int fd) {
  std::string buffer;
  char bytes[8192];
  bool open = true;
  while (open && !stopping_) {
    const std::size_t head_end = buffer.find("\r\n\r\n");
    if (head_end == std::string::npos) {
      const ssize_t n = recv(fd, bytes, sizeof bytes, 0);
      if (n <= 0) break;
      buffer.append(bytes, static_cast<std::size_t>(n));
      continue;
    }
    const std::string head = buffer.substr(0, head_end);
    std::size_t body_bytes = 0;
    if (const std::size_t at = head.find("Content-Length:"); at != std::string::npos) {
      body_bytes = std::stoul(head.substr(at + 15));
    }
    while (open && buffer.size() < head_end + 4 + body_bytes) {
      const ssize_t n = recv(fd, bytes, sizeof bytes, 0);
      open = n > 0;
      if (open) buffer.append(bytes, static_cast<std::size_t>(n));
    }
    if (!open) break;
    buffer.erase(0, head_end + 4 + body_bytes);
    {
      const std::lock_guard lock(mutex_);
      heads_.push_back(head);
    }
    const std::size_t start = head.find("/fault/");
    const std::string fault = start == std::string::npos ? "" : head.substr(start + 7, head.find('/', start + 7) - start - 7);
    // Keep-alive only after complete answers; the other faults have closed or held the socket.
    open = answer(fd, fault) && (fault == "ok" || fault == "ollama_ok" || fault == "http_401" || fault == "http_503");
  }
  {
    const std::lock_guard lock(mutex_);
    std::erase(open_fds_, fd);
  }
  close(fd);
}

bool FaultServer::answer(int fd, std::string_view fault) {
  if (fault == "ok") return send_all(fd, ok_stream());
  if (fault == "ollama_ok") return send_all(fd, ollama_stream());
  if (fault == "stall") {
    hold(fd);
    return false;
  }
  if (fault == "stall_mid") {
    send_all(fd, std::string(kStreamHead) + text_chunk("one"));
    hold(fd);
    return false;
  }
  if (fault == "http_401") {
    const std::lock_guard lock(mutex_);
    send_all(fd, plain_response(401, "Unauthorized", "text/plain", "rejected request:\n" + heads_.back()));
    return true;
  }
  if (fault == "http_503") {
    send_all(fd, plain_response(503, "Service Unavailable", "application/json", R"({"error":{"message":"overloaded"}})"));
    return true;
  }
  if (fault == "malformed") return send_all(fd, std::string(kStreamHead) + text_chunk("one") + chunk("data: {not json\n\n") + std::string(kEnd));
  if (fault == "not_sse") return send_all(fd, plain_response(200, "OK", "text/html", "<html><body>hello</body></html>"));
  if (fault == "stream_error") {
    return send_all(fd, std::string(kStreamHead) + text_chunk("one") +
                            sse(R"({"error":{"message":"model crashed","type":"server_error"}})") + std::string(kEnd));
  }
  if (fault == "truncated") return send_all(fd, std::string(kStreamHead) + text_chunk("one") + text_chunk(" two") + std::string(kEnd));
  if (fault == "close_mid") {
    send_all(fd, std::string(kStreamHead) + text_chunk("one") + text_chunk(" two"));
    return false;
  }
  return false;  // close_early and anything unknown: close without a reply
}

void FaultServer::hold(int fd) const {
  char bytes[256];
  while (!stopping_) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) > 0 && recv(fd, bytes, sizeof bytes, 0) <= 0) return;  // the client closed
  }
}

int closed_port() {
  int port = 0;
  const int fd = loopback_socket(port, -1);  // bound, never listening: connecting is refused
  close(fd);
  return port;
}

BlackholeListener::BlackholeListener() {
  listen_fd_ = loopback_socket(port_, 0);
  // Fill the accept queue (backlog 0 holds one): later SYNs are dropped and connects hang.
  for (int i = 0; i < 3; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fillers_.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

BlackholeListener::~BlackholeListener() {
  for (int fd : fillers_) close(fd);
  close(listen_fd_);
}

}  // namespace memwall::testing
