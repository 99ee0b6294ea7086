// memwall probe: what the machine has, and what its memory and cores measurably do.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "memwall/hw/probe_cache.hpp"
#include "memwall/hw/probe_json.hpp"
#include "memwall/util/files.hpp"
#include "probe_printer.hpp"

namespace memwall::cli {
namespace {

struct ProbeCliOptions {
  bool quick = false;
  bool cached = false;
  std::string json_path;  // "-" = stdout
};

// Fails before measuring when the --json destination cannot be written, so twenty seconds of
// measurement are not thrown away at the end.
Status check_writable(const std::string& path) {
  if (path.empty() || path == "-") return {};
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  if (std::filesystem::is_directory(path)) return make_error("{}: is a directory", path);
  if (std::filesystem::exists(path)) {
    if (::access(path.c_str(), W_OK) != 0) return make_error("{}: not writable", path);
    return {};
  }
  if (::access(parent.c_str(), W_OK) != 0) {
    return make_error("{}: cannot write here (directory {} is missing or not writable)", path,
                      parent.string());
  }
  return {};
}

Result<hw::ProbeResult> obtain(const ProbeCliOptions& o) {
  if (o.cached) {
    Result<std::string> fingerprint = hw::local_fingerprint();
    if (!fingerprint.ok()) return fingerprint.error();
    if (auto cached = hw::load_cached_probe(*fingerprint)) return *cached;
    return make_error("no cached probe for this machine in {}; run 'memwall probe'",
                      hw::probe_cache_path(*fingerprint).string());
  }
  hw::ProbeOptions options;
  options.quick = o.quick;
  if (isatty(STDERR_FILENO)) {
    options.progress = [](std::string_view stage) { std::cerr << "probing " << stage << "...\n"; };
  }
  return hw::run_probe(options);
}

int run_probe_command(const ProbeCliOptions& o) {
  if (Status writable = check_writable(o.json_path); !writable.ok()) {
    return fail(kExitRuntimeError, writable.error().message);
  }
  Result<hw::ProbeResult> result = obtain(o);
  if (!result.ok()) return fail(kExitRuntimeError, result.error().message);
  if (!o.cached) {
    if (Status stored = hw::store_probe(*result); !stored.ok()) {
      std::cerr << "memwall: warning: result not cached: " << stored.error().message << '\n';
    }
  }
  const std::string record = hw::probe_to_json(*result).dump(2);
  if (o.json_path == "-") {
    std::cout << record << '\n';
    return kExitOk;
  }
  std::cout << format_probe(*result);
  if (!o.json_path.empty()) {
    if (Status written = write_file_atomic(o.json_path, record + "\n"); !written.ok()) {
      return fail(kExitRuntimeError, written.error().message);
    }
  }
  return kExitOk;
}

}  // namespace

Command setup_probe(CLI::App& parent) {
  auto options = std::make_shared<ProbeCliOptions>();
  CLI::App* app = parent.add_subcommand(
      "probe", "Detect the CPU, topology, memory and GPUs; measure memory bandwidth, latency and "
               "compute peaks. The result is cached for the other subcommands.");
  app->add_flag("--quick", options->quick, "Fewer repetitions, no thread scaling: about 2 s");
  app->add_flag("--cached", options->cached, "Print this machine's cached result; measure nothing");
  app->add_option("--json", options->json_path,
                  "Write the JSON record to FILE ('-' = stdout, instead of the table)")
      ->type_name("FILE");
  return {app, [options] { return run_probe_command(*options); }};
}

}  // namespace memwall::cli
