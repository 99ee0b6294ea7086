#pragma once
// An HTTP server for tests that misbehaves on request. The first path segment after /fault/ picks
// the behaviour; the API path after it is ignored ("/fault/truncated/v1/completions"):
//   ok               a well-formed SSE stream: 4 text chunks, finish_reason, usage, [DONE]
//   ollama_ok        the same as Ollama JSON lines, ending with "done": true and its counts
//   stall            reads the request and never answers         -> first_byte_timeout
//   stall_mid        headers and one chunk, then silence           -> idle_timeout
//   http_401         401 whose body echoes the request head        -> http_4xx (key must be redacted)
//   http_503         503                                            -> http_5xx
//   malformed        "data: {not json"                              -> malformed_stream
//   not_sse          200 with an HTML body                          -> malformed_stream
//   stream_error     an {"error": ...} object mid-stream            -> stream_error
//   truncated        two chunks and a clean end, no final chunk     -> truncated_stream
//   close_mid        two chunks, then the connection is closed      -> closed_mid_stream
//   close_early      reads the request, closes without a reply      -> closed_before_response
// One thread per connection, keep-alive honoured for `ok`; stopped by the destructor.
#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace memwall::testing {

class FaultServer {
 public:
  FaultServer();
  ~FaultServer();
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  int port() const { return port_; }
  std::string url(std::string_view fault) const;
  // The request heads received so far (request line and headers).
  std::vector<std::string> heads() const;

 private:
  void accept_loop();
  void serve(int fd);
  // Answers one request; false when the connection must close.
  bool answer(int fd, std::string_view fault);
  // Waits until the peer closes or the server stops.
  void hold(int fd) const;

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
  std::vector<std::string> heads_;
};

// A loopback port nothing listens on.
int closed_port();

// A loopback listener whose accept queue is full and never drained: connecting to it times out.
class BlackholeListener {
 public:
  BlackholeListener();
  ~BlackholeListener();
  int port() const { return port_; }

 private:
  int listen_fd_ = -1;
  int port_ = 0;
  std::vector<int> fillers_;
};

}  // namespace memwall::testing
