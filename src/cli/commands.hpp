#pragma once
// Every subcommand is one file with an options struct, a setup that declares its flags, and a run
// that turns the library's results and errors into output and an exit code.
#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace memwall::cli {

// Documented exit codes.
enum ExitCode : int {
  kExitOk = 0,
  kExitRuntimeError = 1,
  kExitUsageError = 2,
  kExitInterrupted = 130,
};

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;  // called when this subcommand was given on the command line
};

Command setup_probe(CLI::App& parent);
Command setup_bench(CLI::App& parent);
Command setup_check(CLI::App& parent);
Command setup_report(CLI::App& parent);
std::vector<Command> setup_model(CLI::App& parent);  // synth, info, quantize, presets
Command setup_fit(CLI::App& parent);
Command setup_plan(CLI::App& parent);
Command setup_serve(CLI::App& parent);

// Prints "memwall: error: <message>" on stderr; returns `code`.
int fail(int code, const std::string& message);

}  // namespace memwall::cli
