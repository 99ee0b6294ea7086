#include "bench_printer.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <iostream>

namespace memwall::cli {
namespace {

using nlohmann::json;

struct Column {
  const char* title;
  int width;
};
constexpr Column kColumns[] = {{"model", 22}, {"scheme", 7},   {"test", 18},     {"thr", 3},       {"tok/s", 16},
                               {"per user", 8}, {"TTFT p50/p99 ms", 16}, {"TPOT ms", 8}, {"ITL p99", 8}, {"roofline", 8}, {"predicted", 9},
                               {"status", 8}};

double stat(const json& r, const char* metric, const char* field) {
  const json& s = r["stats"];
  if (!s.contains(metric)) return -1;
  return s[metric][field].get<double>();
}

std::string number(double v, int precision = 1) { return v < 0 ? "-" : fmt::format("{:.{}f}", v, precision); }

std::string test_label(const json& p) {
  const std::string test = p["test"];
  const std::string depth = p["depth"].get<std::int64_t>() > 0 ? fmt::format(" @ d{}", p["depth"].get<std::int64_t>()) : "";
  if (test == "pp") return fmt::format("pp{}{}", p["prompt"].get<std::int64_t>(), depth);
  if (test == "tg") return fmt::format("tg{}{}", p["gen"].get<std::int64_t>(), depth);
  const std::string load = p["rate"].is_null() ? fmt::format("c{}", p["concurrency"].get<std::int64_t>())
                                               : fmt::format("r{:g}/s", p["rate"].get<double>());
  return fmt::format("{} p{} n{}{}", load, p["prompt"].get<std::int64_t>(), p["gen"].get<std::int64_t>(), depth);
}

std::vector<std::string> cells(const json& r) {
  const json& p = r["point"];
  std::string model = p["model"];
  if (model.rfind("preset:", 0) != 0 && model.find('/') != std::string::npos) model = model.substr(model.rfind('/') + 1);
  std::vector<std::string> c = {model, p["scheme"], test_label(p), std::to_string(p["threads"].get<std::int64_t>())};
  if (r["status"] != "ok") {
    c.insert(c.end(), {"-", "-", "-", "-", "-", "-", "-", fmt::format("{}: {}", r["status"].get<std::string>(), r.value("reason", ""))});
    return c;
  }
  const char* main = p["test"] == "pp" ? "pp_tok_s" : p["test"] == "tg" ? "tg_tok_s" : "agg_tok_s";
  const double median = stat(r, main, "median"), sd = stat(r, main, "stddev");
  c.push_back(fmt::format("{} ± {}", number(median, 2), number(sd, 2)));
  c.push_back(number(stat(r, "per_user_tok_s", "median")));
  const double t50 = stat(r, "ttft_ms", "median"), t99 = stat(r, "ttft_ms", "p99");
  c.push_back(t50 < 0 ? "-" : fmt::format("{}/{}", number(t50), number(t99)));
  c.push_back(number(stat(r, "tpot_ms", "median")));
  c.push_back(number(stat(r, "itl_ms", "p99")));
  const json& roof = r["roofline"];
  const json& eff = p["test"] == "pp" ? roof["prefill_efficiency"] : roof["efficiency"];
  c.push_back(eff.is_null() ? "-" : fmt::format("{:.0f}%", 100 * eff.get<double>()));
  const json& pred = r["prediction"];
  c.push_back(pred.is_object() && pred.contains(main) ? number(pred[main].get<double>(), 2) : "-");
  c.push_back("ok");
  return c;
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

}  // namespace

Result<OutputFormat> parse_output_format(const std::string& name) {
  if (name == "table") return OutputFormat::table;
  if (name == "md") return OutputFormat::md;
  if (name == "csv") return OutputFormat::csv;
  if (name == "json") return OutputFormat::json;
  if (name == "jsonl") return OutputFormat::jsonl;
  return make_error("-o: '{}' is not table, md, csv, json or jsonl", name);
}

void BenchPrinter::add(const json& record) {
  records_.push_back(record);
  if (format_ == OutputFormat::json) return;
  if (format_ == OutputFormat::jsonl) {
    out_ << record.dump() << '\n' << std::flush;
    return;
  }
  const std::vector<std::string> row = cells(record);
  std::string line;
  if (!header_done_) {
    header_done_ = true;
    std::string head, rule;
    for (const Column& col : kColumns) {
      if (format_ == OutputFormat::table) {
        head += fmt::format("{:<{}}  ", col.title, col.width);
        rule += std::string(static_cast<std::size_t>(col.width), '-') + "  ";
      } else if (format_ == OutputFormat::md) {
        head += fmt::format("| {} ", col.title);
        rule += "|---";
      } else {
        head += (head.empty() ? "" : ",") + csv_quote(col.title);
      }
    }
    out_ << head << (format_ == OutputFormat::md ? "|" : "") << '\n';
    if (format_ != OutputFormat::csv) out_ << rule << (format_ == OutputFormat::md ? "|" : "") << '\n';
  }
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (format_ == OutputFormat::table) line += fmt::format("{:<{}}  ", row[i], kColumns[i].width);
    else if (format_ == OutputFormat::md) line += "| " + row[i] + " ";
    else line += (i ? "," : "") + csv_quote(row[i]);
  }
  out_ << line << (format_ == OutputFormat::md ? "|" : "") << '\n' << std::flush;
}

void BenchPrinter::finish() {
  if (format_ == OutputFormat::json) out_ << json(records_).dump(2) << '\n';
  out_ << std::flush;
}

void BenchPrinter::summary(std::ostream& err) const {
  const json* best = nullptr;
  double best_tok_s = -1;
  std::size_t ok = 0;
  for (const json& r : records_) {
    if (r["status"] != "ok") continue;
    ++ok;
    for (const char* metric : {"agg_tok_s", "tg_tok_s"}) {
      const double v = stat(r, metric, "median");
      if (v > best_tok_s) best_tok_s = v, best = &r;
    }
  }
  if (!best) {
    err << fmt::format("memwall: {} point(s), none measured\n", records_.size());
    return;
  }
  const json& eff = (*best)["roofline"]["efficiency"];
  err << fmt::format("memwall: {} of {} point(s) measured; best decode {:.1f} tok/s ({} {} {}), {} of the {:.1f} GB/s memory roofline\n",
                     ok, records_.size(), best_tok_s, (*best)["point"]["model"].get<std::string>(),
                     (*best)["point"]["scheme"].get<std::string>(), test_label((*best)["point"]),
                     eff.is_null() ? "-" : fmt::format("{:.0f}%", 100 * eff.get<double>()),
                     (*best)["roofline"]["read_gbs"].get<double>());
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

}  // namespace memwall::cli
