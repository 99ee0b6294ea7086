#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <vector>

#include "commands.hpp"
#include "memwall/util/build_info.hpp"

namespace memwall::cli {

int fail(int code, const std::string& message) {
  std::cerr << "memwall: error: " << message << '\n';
  return code;
}

namespace {

std::string version_line() {
  const BuildInfo& b = build_info();
  return fmt::format("memwall {} ({}{}, {}, {})", b.version, b.git_commit,
                     b.git_dirty ? "-dirty" : "", b.build_type, b.compiler);
}

// CLI11's own messages, folded to one line and pointing at --help; exit code 2.
int usage_error(const CLI::App& app, const CLI::ParseError& e) {
  std::string message = e.what();
  std::replace(message.begin(), message.end(), '\n', ' ');
  const CLI::App* sub = nullptr;
  for (const CLI::App* s : app.get_subcommands()) sub = s;
  const std::string help = sub ? "memwall " + sub->get_name() + " --help" : "memwall --help";
  return fail(kExitUsageError, fmt::format("{} (see '{}')", message, help));
}

int run(int argc, char** argv) {
  CLI::App app{"memwall: measures the memory wall of LLM inference on this machine, and predicts "
               "it for others."};
  app.set_version_flag("--version", version_line());
  app.require_subcommand(1);
  std::vector<Command> commands = {setup_probe(app), setup_bench(app)};
  for (Command& c : setup_model(app)) commands.push_back(std::move(c));
  commands.push_back(setup_fit(app));
  commands.push_back(setup_plan(app));
  commands.push_back(setup_check(app));
  commands.push_back(setup_report(app));
  commands.push_back(setup_serve(app));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(app, e);
  }
  for (const Command& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  return fail(kExitUsageError, "no subcommand given (see 'memwall --help')");
}

}  // namespace
}  // namespace memwall::cli

int main(int argc, char** argv) { return memwall::cli::run(argc, argv); }
