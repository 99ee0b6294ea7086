#include "support/subprocess.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include "memwall/util/files.hpp"

extern char** environ;

namespace memwall::testing {

ProcessResult run_memwall(const std::vector<std::string>& args,
                          const std::vector<std::string>& env) {
  return run_memwall(args, env, [](pid_t) {});
}

ProcessResult run_memwall(const std::vector<std::string>& args, const std::vector<std::string>& env,
                          const std::function<void(pid_t)>& while_running) {
  const std::string dir = make_temp_dir("memwall-run");
  const std::string out_path = dir + "/out", err_path = dir + "/err";
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv{const_cast<char*>(MEMWALL_BINARY)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execve(MEMWALL_BINARY, argv.data(), environ);
    _exit(127);
  }
  while_running(pid);
  int status = 0;
  waitpid(pid, &status, 0);
  ProcessResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_path).ok() ? *read_file(out_path) : "";
  result.err = read_file(err_path).ok() ? *read_file(err_path) : "";
  std::filesystem::remove_all(dir);
  return result;
}

namespace {

// The directories make_temp_dir made, removed at exit by the process that made them (not by a
// forked child that exits).
class TempDirs {
 public:
  void add(const std::string& dir) {
    const std::lock_guard lock(mutex_);
    dirs_.push_back(dir);
  }
  ~TempDirs() {
    if (getpid() != owner_) return;
    for (const std::string& dir : dirs_) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  }

 private:
  const pid_t owner_ = getpid();
  std::mutex mutex_;
  std::vector<std::string> dirs_;
};

TempDirs& temp_dirs() {
  static TempDirs dirs;
  return dirs;
}

}  // namespace

std::string make_temp_dir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  temp_dirs().add(pattern);
  return pattern;
}

}  // namespace memwall::testing
