#include "figures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "cells.hpp"
#include "record_fields.hpp"
#include "svg_chart.hpp"

namespace memwall::report {
namespace {

using nlohmann::json;
using Records = std::vector<const json*>;

// Colours by label, the same in every figure of a page: the quantizations first, in order of
// appearance, then other line labels as figures ask for them. Okabe-Ito's colour-blind-safe
// colours first, then darker fillers.
class Palette {
 public:
  explicit Palette(const std::vector<json>& records) {
    for (const json& r : records) color(string_at(r, "point.scheme"));
  }
  std::string color(const std::string& label) {
    auto it = std::find(labels_.begin(), labels_.end(), label);
    if (it == labels_.end()) it = labels_.insert(labels_.end(), label);
    return kColors[static_cast<std::size_t>(it - labels_.begin()) % kColors.size()];
  }

 private:
  static constexpr std::array<const char*, 10> kColors = {
      "#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7",
      "#56B4E9", "#8C564B", "#444444", "#9467BD", "#BCBD22"};
  std::vector<std::string> labels_;
};

std::string number_text(const json& r, std::string_view path) {
  const std::optional<double> value = number_at(r, path);
  return value ? fmt::format("{}", *value) : "";
}

// A point parameter as it would tell two lines or bars apart: "t8", "p512", "kv q8_0".
struct Dimension {
  std::string (*label)(const json&);
};
const Dimension kBackend{[](const json& r) { return string_at(r, "point.backend"); }};
const Dimension kThreads{
    [](const json& r) { return fmt::format("t{}", number_text(r, "point.threads")); }};
const Dimension kPrompt{
    [](const json& r) { return fmt::format("p{}", number_text(r, "point.prompt")); }};
const Dimension kGen{[](const json& r) { return fmt::format("n{}", number_text(r, "point.gen")); }};
const Dimension kDepth{
    [](const json& r) { return fmt::format("@d{}", number_text(r, "point.depth")); }};
const Dimension kKv{[](const json& r) { return "kv " + string_at(r, "point.kv_type"); }};
const Dimension kBudget{
    [](const json& r) { return fmt::format("b{}", number_text(r, "point.prefill_budget")); }};
// Open loop: the optional cap on requests in flight.
const Dimension kCap{[](const json& r) {
  const std::string users = number_text(r, "point.concurrency");
  return number_at(r, "point.rate") && !users.empty() ? "c<=" + users : std::string();
}};

// The dimensions whose value differs between `records`: only those belong in a label.
std::vector<Dimension> varying(const Records& records, const std::vector<Dimension>& candidates) {
  std::vector<Dimension> result;
  for (const Dimension& dimension : candidates) {
    std::set<std::string> values;
    for (const json* r : records) values.insert(dimension.label(*r));
    if (values.size() > 1) result.push_back(dimension);
  }
  return result;
}

std::string joined_label(std::string head, const json& r, const std::vector<Dimension>& dims) {
  for (const Dimension& dimension : dims) head += fmt::format(" {}", dimension.label(r));
  return head;
}

Records successful(const std::vector<json>& records, std::string_view test) {
  Records result;
  for (const json& r : records) {
    if (string_at(r, "status") == "ok" && (test.empty() || test_kind(r) == test))
      result.push_back(&r);
  }
  return result;
}

// The records of each model, models in order of appearance.
std::vector<Records> by_model(const Records& records) {
  std::vector<std::string> models;
  std::vector<Records> groups;
  for (const json* r : records) {
    const std::string model = string_at(*r, "point.model");
    auto it = std::find(models.begin(), models.end(), model);
    if (it == models.end()) {
      it = models.insert(models.end(), model);
      groups.emplace_back();
    }
    groups[static_cast<std::size_t>(it - models.begin())].push_back(r);
  }
  return groups;
}

std::string figures_row(const std::string& figures) {
  return figures.empty() ? std::string() : "<div class=\"figures\">\n" + figures + "</div>\n";
}

std::string figure(const std::string& svg) { return "<figure>" + svg + "</figure>\n"; }

// One line per quantization (and per other parameter that varies), in order of appearance.
struct LoadLine {
  std::string label;
  Records points;
};

std::vector<LoadLine> load_lines(const Records& records) {
  const std::vector<Dimension> dims =
      varying(records, {kBackend, kThreads, kPrompt, kGen, kDepth, kKv, kBudget, kCap});
  std::vector<LoadLine> lines;
  for (const json* r : records) {
    const std::string label = joined_label(string_at(*r, "point.scheme"), *r, dims);
    auto line = std::find_if(lines.begin(), lines.end(),
                             [&](const LoadLine& l) { return l.label == label; });
    if (line == lines.end()) line = lines.insert(lines.end(), LoadLine{label, {}});
    line->points.push_back(r);
  }
  return lines;
}

// The points of one line for one statistic; records lacking it are left out.
std::vector<std::pair<double, double>> curve(const Records& points, std::string_view x_path,
                                             std::string_view metric, std::string_view field) {
  std::vector<std::pair<double, double>> xy;
  for (const json* r : points) {
    const std::optional<double> x = number_at(*r, x_path);
    const std::optional<double> y = metric_stat(*r, metric, field);
    if (x && y) xy.emplace_back(*x, *y);
  }
  return xy;
}

// Three charts for one model under one kind of load, against users (closed loop) or arrivals per
// second (open loop): aggregate tok/s, per-user tok/s (apart, since it falls as the aggregate
// grows and would be flattened on the same axis), TTFT p50 (solid) and p99 (dashed).
std::string load_charts(const Records& records, bool open_loop, Palette& palette) {
  const std::string x_path = open_loop ? "point.rate" : "point.concurrency";
  const std::string x_label =
      open_loop ? "requests per second (open loop)" : "concurrent users (closed loop)";
  LineChart aggregate{"Aggregate tok/s", x_label, "tok/s", {}, {}};
  LineChart per_user{"Per-user tok/s (1 / TPOT)", x_label, "tok/s", {}, {}};
  LineChart ttft{"TTFT", x_label, "ms", {}, {{"p50", false}, {"p99", true}}};
  for (const LoadLine& line : load_lines(records)) {
    const auto add = [&](LineChart& chart, const char* statistic, bool dashed,
                         std::string_view metric, std::string_view field) {
      auto points = curve(line.points, x_path, metric, field);
      if (points.empty()) return;
      chart.series.push_back(
          {line.label, statistic, palette.color(line.label), dashed, std::move(points)});
    };
    add(aggregate, "aggregate tok/s", false, "agg_tok_s", "median");
    add(per_user, "per-user tok/s", false, "per_user_tok_s", "median");
    add(ttft, "TTFT p50 (ms)", false, "ttft_ms", "p50");
    add(ttft, "TTFT p99 (ms)", true, "ttft_ms", "p99");
  }
  std::string figures;
  for (const LineChart* chart : {&aggregate, &per_user, &ttft}) {
    if (!chart->series.empty()) figures += figure(svg_line_chart(*chart));
  }
  return figures_row(figures);
}

std::string load_section(const std::vector<json>& records, Palette& palette) {
  std::string html;
  for (const Records& model : by_model(successful(records, "serve"))) {
    Records closed, open;
    for (const json* r : model) (number_at(*r, "point.rate") ? open : closed).push_back(r);
    const std::string name = escape_html(model_label(*model.front()));
    if (!closed.empty()) {
      html += fmt::format("<h3>{}: against concurrent users</h3>\n", name);
      html += load_charts(closed, false, palette);
    }
    if (!open.empty()) {
      html += fmt::format("<h3>{}: against arrival rate</h3>\n", name);
      html += load_charts(open, true, palette);
    }
  }
  return html.empty() ? html : "<h2>Throughput and latency under load</h2>\n" + html;
}

// A bar's label: the model when several are shown, the quantization, the test, then whatever
// else varies.
std::string bar_label(const json& r, bool with_model, const std::vector<Dimension>& dims) {
  std::string head = string_at(r, "point.scheme") + " " + test_label(r);
  if (with_model) head = model_label(r) + " " + head;
  return joined_label(head, r, dims);
}

bool several_models(const Records& records) { return by_model(records).size() > 1; }

// Bars of engine-level tok/s for one test kind, coloured by quantization.
std::string engine_chart(const Records& records, std::string_view test, const std::string& title,
                         Palette& palette) {
  const std::string metric = std::string(test) + "_tok_s";
  const std::vector<Dimension> dims = varying(records, {kBackend, kThreads, kKv});
  BarChart chart{title, "tok/s (median)", {}, {}, 0, false};
  const bool with_model = several_models(records);
  for (const Records& model : by_model(records)) {
    for (const json* r : model) {
      const std::optional<double> value = metric_stat(*r, metric, "median");
      if (!value) continue;
      chart.bars.push_back({bar_label(*r, with_model, dims), *value,
                            format_plus_minus(value, metric_stat(*r, metric, "stddev")) + " tok/s",
                            palette.color(string_at(*r, "point.scheme"))});
    }
  }
  return chart.bars.empty() ? std::string() : figure(svg_bar_chart(chart));
}

std::string engine_section(const std::vector<json>& records, Palette& palette) {
  const std::string figures =
      engine_chart(successful(records, "pp"), "pp", "Prompt processing (pp N): tok/s", palette) +
      engine_chart(successful(records, "tg"), "tg", "Generation (tg N): tok/s", palette);
  return figures.empty() ? figures : "<h2>Engine-level throughput</h2>\n" + figures_row(figures);
}

std::string roofline_section(const std::vector<json>& records) {
  const Records all = successful(records, "");
  const std::vector<Dimension> dims = varying(all, {kBackend, kThreads, kKv});
  const std::map<std::string, std::string> colors = {
      {"pp", "#E69F00"}, {"tg", "#0072B2"}, {"serve", "#009E73"}};
  BarChart chart{"Roofline efficiency per point",
                 "share of the machine's measured limit",
                 {},
                 {{"#E69F00", "pp: FLOP/s / measured compute peak"},
                  {"#0072B2", "tg: bytes/s / measured read bandwidth"},
                  {"#009E73", "serve: bytes/s / measured read bandwidth"}},
                 100,
                 true};
  const bool with_model = several_models(all);
  for (const Records& model : by_model(all)) {
    for (const char* test : {"pp", "tg", "serve"}) {
      for (const json* r : model) {
        const std::optional<double> efficiency = roofline_efficiency(*r);
        if (test_kind(*r) != test || !efficiency) continue;
        chart.bars.push_back({bar_label(*r, with_model, dims), *efficiency * 100,
                              format_percent(efficiency) + "%", colors.at(test)});
      }
    }
  }
  if (chart.bars.empty()) return {};
  return "<h2>Roofline efficiency</h2>\n" + figures_row(figure(svg_bar_chart(chart)));
}

}  // namespace

std::string html_figures(const std::vector<json>& records) {
  Palette palette(records);
  return load_section(records, palette) + engine_section(records, palette) +
         roofline_section(records);
}

}  // namespace memwall::report
