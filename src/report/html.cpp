// The HTML report: one self-contained page (inline CSS and SVG, no script, nothing fetched) with
// the figures, every point in tables, and where the numbers came from.
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "cells.hpp"
#include "columns.hpp"
#include "figures.hpp"
#include "record_fields.hpp"
#include "sink.hpp"
#include "svg_chart.hpp"

namespace memwall::report {
namespace {

using nlohmann::json;

constexpr std::string_view kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #222; margin: 24px auto; max-width: 1200px; padding: 0 12px; line-height: 1.4; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
p.summary { color: #555; margin: 0 0 8px; }
.figures { display: flex; flex-wrap: wrap; gap: 8px 12px; }
figure { margin: 0; }
svg.chart { background: #fff; display: block; }
svg .title { font-size: 13px; font-weight: 600; fill: #222; }
svg .tick, svg .value, svg .legend { font-size: 11px; fill: #444; }
svg .label { font-size: 12px; fill: #222; }
svg .grid { stroke: #e6e6e6; }
svg .axis { stroke: #888; }
svg .reference { stroke: #c33; stroke-dasharray: 4 3; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 12px; }
th, td { padding: 3px 5px; border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: top; }
th { background: #f4f4f4; position: sticky; top: 0; }
td { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.noted td { border-bottom: none; }
tr.notes td { white-space: normal; padding: 0 8px 4px 24px; color: #444; }
tr.failed td { background: #fdecea; }
tr.skipped td { background: #fff6db; }
table.provenance th { background: none; font-weight: 600; position: static; }
ul.warnings { font-size: 13px; }
dl.definitions { font-size: 12px; color: #444; }
dl.definitions dt { font-weight: 600; float: left; clear: left; width: 9em; }
dl.definitions dd { margin: 0 0 4px 9em; }
)";

std::string count_line(const std::vector<json>& records) {
  int ok = 0, failed = 0, skipped = 0;
  for (const json& r : records) {
    const std::string status = string_at(r, "status");
    ok += status == "ok";
    failed += status == "failed";
    skipped += status == "skipped";
  }
  return fmt::format("{} points: {} measured, {} failed, {} skipped", records.size(), ok, failed,
                     skipped);
}

// Every distinct value of a field, in order of appearance; records of one sweep share most.
std::string distinct(const std::vector<json>& records, std::string_view path) {
  std::vector<std::string> values;
  for (const json& r : records) {
    const json* value = find(r, path);
    if (value == nullptr) continue;
    std::string text = value->is_string() ? value->get<std::string>() : json_line(*value);
    if (std::find(values.begin(), values.end(), text) == values.end()) values.push_back(text);
  }
  return fmt::format("{}", fmt::join(values, ", "));
}

std::string time_span(const std::vector<json>& records) {
  std::vector<std::string> stamps;
  for (const json& r : records) {
    if (std::string stamp = string_at(r, "provenance.timestamp"); !stamp.empty()) {
      stamps.push_back(std::move(stamp));
    }
  }
  if (stamps.empty()) return {};
  const auto [first, last] = std::minmax_element(stamps.begin(), stamps.end());
  return *first == *last ? *first : *first + " to " + *last;
}

std::string provenance(const std::vector<json>& records) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"memwall version", distinct(records, "provenance.memwall_version")},
      {"git commit", distinct(records, "provenance.git_commit")},
      {"build type", distinct(records, "provenance.build_type")},
      {"compiler", distinct(records, "provenance.compiler")},
      {"CPU", distinct(records, "provenance.cpu_model")},
      {"ISA path", distinct(records, "provenance.isa")},
      {"hardware fingerprint", distinct(records, "provenance.hardware_fingerprint")},
      {"read bandwidth (GB/s)", distinct(records, "roofline.read_gbs")},
      {"compute peak (GFLOP/s)", distinct(records, "roofline.compute_gflops")},
      {"endpoint", distinct(records, "point.endpoint")},
      {"measured", time_span(records)},
  };
  std::string html = "<table class=\"provenance\">\n";
  for (const auto& [name, value] : rows) {
    if (value.empty()) continue;
    html += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", name, escape_html(value));
  }
  return html + "</table>\n";
}

std::string warnings(const std::vector<json>& records) {
  std::set<std::string> seen;
  std::string items;
  for (const json& r : records) {
    const json* list = find(r, "warnings");
    if (list == nullptr || !list->is_array()) continue;
    for (const json& warning : *list) {
      if (warning.is_string() && seen.insert(warning.get<std::string>()).second) {
        items += "<li>" + escape_html(warning.get<std::string>()) + "</li>\n";
      }
    }
  }
  return items.empty() ? std::string()
                       : "<h2>Warnings</h2>\n<ul class=\"warnings\">\n" + items + "</ul>\n";
}

// One table per kind of test, with the columns of the Markdown report; a row's notes (why it failed
// or was skipped, request errors, warnings) go on a full-width line under it, so they stay in view
// however wide the table is.
std::string points_table(const std::vector<json>& records, Section section) {
  std::vector<json> rows;
  for (const json& r : records) {
    if (section_of(r) == section) rows.push_back(r);
  }
  if (rows.empty()) return {};
  std::vector<Column> columns = section_columns(rows.front(), rows);
  const Column notes_column = columns.back();
  columns.pop_back();
  std::string html =
      fmt::format("<h3>{}</h3>\n<div class=\"scroll\"><table>\n<tr>",
                  section == Section::engine ? "Engine-level tests (pp, tg)" : "Serving tests");
  for (const Column& column : columns)
    html += "<th>" + escape_html(std::string(column.title)) + "</th>";
  html += "</tr>\n";
  for (const json& r : rows) {
    const std::string status = escape_html(string_at(r, "status"));
    const std::string notes = notes_column.cell(r);
    html += fmt::format("<tr class=\"point {}{}\">", status, notes.empty() ? "" : " noted");
    for (const Column& column : columns) {
      html += fmt::format("<td{}>{}</td>", is_text(column) ? "" : " class=\"num\"",
                          escape_html(column.cell(r)));
    }
    html += "</tr>\n";
    if (!notes.empty()) {
      html += fmt::format("<tr class=\"notes {}\"><td colspan=\"{}\">{}</td></tr>\n", status,
                          columns.size(), escape_html(notes));
    }
  }
  return html + "</table></div>\n";
}

constexpr std::string_view kDefinitions = R"(<h2>Definitions</h2>
<dl class="definitions">
<dt>pp N</dt><dd>prompt processing: N prompt tokens of one sequence in one prefill; tok/s = N / prefill time.</dd>
<dt>tg N</dt><dd>generation: N tokens of one sequence after the prompt; tok/s = N / decode time.</dd>
<dt>@d D</dt><dd>the KV cache already holds D tokens when the measurement starts.</dd>
<dt>c U, r R/s</dt><dd>U users each sending the next request when the last ends (closed loop); requests arriving as a Poisson process at R per second (open loop). p and n: prompt and generated tokens per request.</dd>
<dt>TTFT</dt><dd>from submission (queueing included) to the first generated token; queue time is also shown apart.</dd>
<dt>TPOT, ITL, E2E</dt><dd>(end-to-end &minus; TTFT) / (output tokens &minus; 1) per request; gaps between consecutive output tokens; submission to last token.</dd>
<dt>agg, per user</dt><dd>all output tokens / wall time of the measured window; 1 / TPOT.</dd>
<dt>roofline %</dt><dd>decode: bytes one step must move (active weights + KV read) &times; steps per second / measured read bandwidth; prefill (pp): FLOP/s / measured compute peak.</dd>
</dl>
)";

}  // namespace

std::string render_html(const std::vector<json>& records) {
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>memwall report</title>\n<style>" + std::string(kStyle) +
          "</style>\n</head>\n<body>\n";
  html += "<h1>memwall report</h1>\n<p class=\"summary\">" + count_line(records) + "</p>\n";
  html += provenance(records);
  html += html_figures(records);
  html += warnings(records);
  html += "<h2>All points</h2>\n";
  html += points_table(records, Section::engine) + points_table(records, Section::serve);
  html += std::string(kDefinitions) + "</body>\n</html>\n";
  return html;
}

}  // namespace memwall::report
