#include "bench_printer.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <iostream>

#include "commands.hpp"

namespace memwall::cli {

Result<report::Format> parse_row_format(const std::string& name) {
  auto format = report::parse_format(name);
  if (!format || *format == report::Format::html) {
    return make_error("-o: '{}' is not table, md, csv, json or jsonl ('memwall report' writes html)", name);
  }
  return *format;
}

Result<std::unique_ptr<SweepOutput>> SweepOutput::open(report::Format format, const std::string& save_path,
                                                       std::size_t total_points) {
  std::unique_ptr<SweepOutput> out(new SweepOutput(format, total_points));
  if (!save_path.empty()) {
    out->save_.open(save_path, std::ios::app);
    if (!out->save_) return make_error("--save {}: cannot open for appending", save_path);
    out->save_path_ = save_path;
  }
  return out;
}

void SweepOutput::emit(const nlohmann::json& record) {
  if (save_.is_open()) save_ << record.dump() << '\n' << std::flush;
  rows_.add(record);
  records_.push_back(record);
  failures_ += record["status"] == "failed";
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  progress_line(records_.size(), total_, elapsed);
}

int SweepOutput::finish(bool interrupted) {
  rows_.finish();
  if (interrupted) {
    std::cerr << fmt::format("memwall: interrupted: {} point(s) finished{}\n", records_.size(),
                             save_.is_open() ? " and saved to " + save_path_ : "");
    return kExitInterrupted;
  }
  print_summary(records_, std::cerr);
  return failures_ > 0 ? kExitRuntimeError : kExitOk;
}

void progress_line(std::size_t done, std::size_t total, double elapsed_s) {
  const double left = done > 0 ? elapsed_s / static_cast<double>(done) * static_cast<double>(total - done) : 0;
  const std::string text = fmt::format("[{}/{}] {:.0f} s elapsed, about {:.0f} s left", done, total, elapsed_s, left);
  if (isatty(STDERR_FILENO)) {
    std::cerr << '\r' << text << (done == total ? "\n" : "") << std::flush;
  } else {
    std::cerr << text << '\n';
  }
}

void print_summary(const std::vector<nlohmann::json>& records, std::ostream& err) {
  const nlohmann::json* best = nullptr;
  double best_tok_s = -1;
  std::size_t ok = 0;
  for (const nlohmann::json& r : records) {
    if (r["status"] != "ok") continue;
    ++ok;
    for (const char* metric : {"agg_tok_s", "tg_tok_s"}) {
      if (!r["stats"].contains(metric)) continue;
      const double v = r["stats"][metric]["median"].get<double>();
      if (v > best_tok_s) best_tok_s = v, best = &r;
    }
  }
  if (!best) {
    err << fmt::format("memwall: {} of {} point(s) measured\n", ok, records.size());
    return;
  }
  const nlohmann::json& p = (*best)["point"];
  const nlohmann::json& eff = (*best)["roofline"]["efficiency"];
  const std::string load = p["test"] == "tg" ? fmt::format("tg{}", p["gen"].get<std::int64_t>())
                           : p["rate"].is_null() ? fmt::format("{} user(s)", p["concurrency"].get<std::int64_t>())
                                                 : fmt::format("{:g} requests/s", p["rate"].get<double>());
  const std::string roofline = eff.is_null() ? "" : fmt::format(", {:.0f}% of the {:.1f} GB/s memory roofline",
                                                                 100 * eff.get<double>(), (*best)["roofline"]["read_gbs"].get<double>());
  err << fmt::format("memwall: {} of {} point(s) measured; best decode {:.1f} tok/s ({} {}, {}){}\n", ok, records.size(),
                     best_tok_s, p["model"].get<std::string>(), p["scheme"].get<std::string>(), load, roofline);
}

}  // namespace memwall::cli
