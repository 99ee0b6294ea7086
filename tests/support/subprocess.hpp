#pragma once
#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace memwall::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out;
  std::string err;
};

// Runs the memwall binary under test with `args`, captures stdout and stderr.
// `env` entries ("NAME=value") are added to the environment.
ProcessResult run_memwall(const std::vector<std::string>& args,
                          const std::vector<std::string>& env = {});
// The same, calling `while_running(pid)` in the parent once the child is started (to signal it).
ProcessResult run_memwall(const std::vector<std::string>& args, const std::vector<std::string>& env,
                          const std::function<void(pid_t)>& while_running);

// A fresh empty directory under the system temp dir, removed with its contents when the test
// process exits (a caller may remove it sooner).
std::string make_temp_dir(const std::string& prefix);

}  // namespace memwall::testing
