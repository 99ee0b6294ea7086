#pragma once
// A server started as a child process for a test or a benchmark: its first line of standard output
// (e.g. "listening on http://127.0.0.1:PORT") tells where it listens; it is stopped with a signal.
#include <sys/types.h>

#include <string>
#include <vector>

namespace memwall::testing {

class ChildProcess {
 public:
  // Starts `argv[0]` with `argv`; stderr is inherited, stdout is a pipe.
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The first line of stdout, without its newline; "" when none came within timeout_ms.
  std::string first_line(int timeout_ms);
  // Sends `sig` and waits up to timeout_ms; the exit code (128 + signal when killed by one),
  // or -1 when it did not end in time (it is then killed).
  int stop(int sig, int timeout_ms);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
};

// The port of "... http://HOST:PORT", or 0.
int port_of(const std::string& listening_line);

}  // namespace memwall::testing
