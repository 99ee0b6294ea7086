// memwall report: saved bench records rendered as Markdown, CSV, JSON or a self-contained HTML
// page.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "memwall/report/records.hpp"
#include "memwall/report/render.hpp"
#include "memwall/util/files.hpp"

namespace memwall::cli {
namespace {

struct ReportCliOptions {
  std::string input_path;
  std::string format_name = "md";
  std::string output_path;  // empty: stdout
};

int run_report_command(const ReportCliOptions& o) {
  Result<report::Format> format = report::parse_format(o.format_name);
  if (!format.ok()) return fail(kExitUsageError, "--format: " + format.error().message);
  // Unreadable or malformed input is an input error, exit 2, with the file and line at fault.
  Result<std::vector<nlohmann::json>> records = report::read_records(o.input_path);
  if (!records.ok()) return fail(kExitUsageError, records.error().message);
  if (records->empty()) std::cerr << "memwall: warning: " << o.input_path << ": no records\n";
  const std::string text = report::render(*records, *format);
  if (o.output_path.empty() || o.output_path == "-") {
    std::cout << text << std::flush;
    return kExitOk;
  }
  if (Status written = write_file_atomic(o.output_path, text); !written.ok()) {
    return fail(kExitRuntimeError, written.error().message);
  }
  return kExitOk;
}

}  // namespace

Command setup_report(CLI::App& parent) {
  auto options = std::make_shared<ReportCliOptions>();
  CLI::App* app = parent.add_subcommand(
      "report",
      "Render saved bench results (a --save JSON Lines file) as Markdown, CSV, JSON or a "
      "self-contained HTML page with plots.");
  app->add_option("file", options->input_path, "JSON Lines file written by 'memwall bench --save'")
      ->required()
      ->type_name("FILE.jsonl");
  app->add_option("--format,-f", options->format_name,
                  "md (default), csv, json, html; also table and jsonl")
      ->type_name("FORMAT");
  app->add_option("-o,--output", options->output_path,
                  "Write to FILE (atomically) instead of stdout")
      ->type_name("FILE");
  return {app, [options] { return run_report_command(*options); }};
}

}  // namespace memwall::cli
