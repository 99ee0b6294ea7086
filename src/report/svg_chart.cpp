#include "svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "cells.hpp"

namespace memwall::report {
namespace {

// Line chart geometry, in SVG pixels: the plot box inside its margins, then the legend below.
constexpr double kLineWidth = 370, kPlotHeight = 220;
constexpr double kLeft = 58, kRight = 16, kTop = 36, kBottom = 48;
constexpr double kLegendRowHeight = 18;
// Bar chart geometry: one row per bar.
constexpr double kBarWidth = 1120, kBarRow = 22, kBarThickness = 14;
// Average advance of an 11 px sans-serif character, to lay out labels without measuring fonts.
constexpr double kCharWidth = 6.4;

// Tick labels stay short so they never reach the axis title: 20000 ms reads "20k".
std::string tick_text(double value) {
  if (std::fabs(value) >= 10000 && std::fmod(value, 1000) == 0) {
    return fmt::format("{:.0f}k", value / 1000);
  }
  if (value == std::round(value)) return fmt::format("{:.0f}", value);
  return fmt::format("{:.3g}", value);
}

std::string num(double value) { return fmt::format("{:.1f}", value); }

// Long labels are cut to what fits left of the bars; the full text stays in the bar's tooltip.
std::string fit_label(const std::string& label, double width) {
  const auto max_chars = static_cast<std::size_t>(width / kCharWidth);
  if (label.size() <= max_chars || max_chars < 2) return label;
  return label.substr(0, max_chars - 1) + "…";
}

// The x axis: the distinct x values as ticks when there are few (concurrency 1, 2, 4, 8), on a
// log2 scale when they span a factor of 4 or more, so doubling users is a constant step.
struct XAxis {
  bool log2 = false;
  double lo = 0, hi = 1;  // in axis units (log2 of x on a log axis)
  std::vector<double> ticks;

  double unit(double x) const { return log2 ? std::log2(x) : x; }
  double pixel(double x) const {
    return kLeft + (unit(x) - lo) / (hi - lo) * (kLineWidth - kLeft - kRight);
  }
};

XAxis make_x_axis(const std::vector<Series>& series) {
  std::set<double> xs;
  for (const Series& s : series) {
    for (const auto& point : s.points) xs.insert(point.first);
  }
  XAxis axis;
  if (xs.empty()) return axis;
  const double first = *xs.begin(), last = *xs.rbegin();
  axis.log2 = first > 0 && last / first >= 4;
  if (xs.size() <= 12) {
    axis.ticks.assign(xs.begin(), xs.end());
  } else if (axis.log2) {
    for (double p = std::exp2(std::floor(std::log2(first))); p <= last; p *= 2)
      axis.ticks.push_back(p);
  } else {
    for (double t : nice_ticks(last)) axis.ticks.push_back(t);
  }
  const double lo = axis.unit(first), hi = axis.unit(last);
  const double margin =
      hi > lo ? (hi - lo) * 0.06 : (axis.log2 ? 1 : std::max(std::fabs(lo) * 0.5, 1.0));
  axis.lo = lo - margin;
  axis.hi = hi + margin;
  std::erase_if(axis.ticks,
                [&](double t) { return axis.unit(t) < axis.lo || axis.unit(t) > axis.hi; });
  return axis;
}

struct LegendEntry {
  std::string label, color;
  bool dashed;
};

// Lays legend entries out in rows across `width`; returns the markup and sets `height`.
std::string legend(const std::vector<LegendEntry>& entries, double x0, double y0, double width,
                   double& height) {
  std::string svg;
  double x = x0, y = y0 + 12;
  for (const LegendEntry& entry : entries) {
    const double entry_width = 30 + entry.label.size() * kCharWidth + 14;
    if (x > x0 && x + entry_width > x0 + width) {
      x = x0;
      y += kLegendRowHeight;
    }
    svg +=
        fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.5"{}/>)",
                    num(x), num(y - 4), num(x + 24), num(y - 4), entry.color,
                    entry.dashed ? R"( stroke-dasharray="5 3")" : "");
    svg += fmt::format(R"(<text x="{}" y="{}" class="legend">{}</text>)", num(x + 30), num(y),
                       escape_html(entry.label));
    x += entry_width;
  }
  height = entries.empty() ? 0 : y - y0 + 8;
  return svg;
}

std::string y_grid(const std::vector<double>& ticks, double y_max, double plot_bottom) {
  std::string svg;
  for (double tick : ticks) {
    const double y = plot_bottom - tick / y_max * (plot_bottom - kTop);
    svg += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" class="grid"/>)", num(kLeft),
                       num(y), num(kLineWidth - kRight), num(y));
    svg += fmt::format(R"(<text x="{}" y="{}" class="tick" text-anchor="end">{}</text>)",
                       num(kLeft - 6), num(y + 4), tick_text(tick));
  }
  return svg;
}

std::string x_ticks(const XAxis& axis, double plot_bottom) {
  std::string svg;
  for (double tick : axis.ticks) {
    const double x = axis.pixel(tick);
    svg += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" class="axis"/>)", num(x),
                       num(plot_bottom), num(x), num(plot_bottom + 5));
    svg += fmt::format(R"(<text x="{}" y="{}" class="tick" text-anchor="middle">{}</text>)", num(x),
                       num(plot_bottom + 18), tick_text(tick));
  }
  return svg;
}

std::string series_marks(const Series& series, const XAxis& axis, double y_max,
                         double plot_bottom) {
  std::vector<std::pair<double, double>> points = series.points;
  std::stable_sort(points.begin(), points.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const auto y_pixel = [&](double y) { return plot_bottom - y / y_max * (plot_bottom - kTop); };
  std::string path;
  for (const auto& [x, y] : points) path += num(axis.pixel(x)) + "," + num(y_pixel(y)) + " ";
  std::string svg =
      fmt::format(R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}/>)", path,
                  series.color, series.dashed ? R"( stroke-dasharray="6 4")" : "");
  // Dashed series get hollow markers, so p99 and p50 points of one colour stay apart.
  const std::string marker =
      series.dashed ? fmt::format(R"(fill="#fff" stroke="{}" stroke-width="1.5")", series.color)
                    : fmt::format(R"(fill="{}")", series.color);
  for (const auto& [x, y] : points) {
    svg +=
        fmt::format(R"(<circle cx="{}" cy="{}" r="3.5" {}><title>{} {}: {} at {}</title></circle>)",
                    num(axis.pixel(x)), num(y_pixel(y)), marker, escape_html(series.label),
                    escape_html(series.statistic), format_number(y), tick_text(x));
  }
  return svg;
}

std::string svg_open(double width, double height, const std::string& title, double title_x) {
  return fmt::format(
             R"(<svg class="chart" width="{0}" height="{1}" viewBox="0 0 {0} {1}" role="img" )"
             R"(aria-label="{2}">)",
             num(width), num(height), escape_html(title)) +
         fmt::format(R"(<text x="{}" y="20" class="title">{}</text>)", num(title_x),
                     escape_html(title));
}

// A colour per line label, then what solid and dashed lines mean.
std::vector<LegendEntry> line_legend(const LineChart& chart) {
  std::vector<LegendEntry> entries;
  for (const Series& s : chart.series) {
    const bool listed = std::any_of(entries.begin(), entries.end(),
                                    [&](const LegendEntry& e) { return e.label == s.label; });
    if (!listed) entries.push_back({s.label, s.color, false});
  }
  for (const LegendStyle& style : chart.styles) {
    entries.push_back({style.label, "#555", style.dashed});
  }
  return entries;
}

// One bar at height `y`, from `x0` to `x_end`: its label on the left, its value on the right.
std::string bar_row(const Bar& bar, double y, double x0, double x_end, double label_width) {
  const double baseline = y + kBarThickness - 3;
  return fmt::format(R"(<text x="{}" y="{}" class="tick" text-anchor="end">{}</text>)", num(x0 - 8),
                     num(baseline), escape_html(fit_label(bar.label, label_width - 12))) +
         fmt::format(
             R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>)",
             num(x0), num(y), num(std::max(0.0, x_end - x0)), num(kBarThickness), bar.color,
             escape_html(bar.label), escape_html(bar.value_text)) +
         fmt::format(R"(<text x="{}" y="{}" class="value">{}</text>)", num(x_end + 5),
                     num(baseline), escape_html(bar.value_text));
}

}  // namespace

std::vector<double> nice_ticks(double max, int target_count) {
  if (!(max > 0) || !std::isfinite(max)) return {0, 1};
  const double raw_step = max / target_count;
  const double magnitude = std::pow(10, std::floor(std::log10(raw_step)));
  double step = magnitude * 10;
  for (double factor : {1.0, 2.0, 2.5, 5.0}) {
    if (raw_step <= factor * magnitude) {
      step = factor * magnitude;
      break;
    }
  }
  std::vector<double> ticks;
  const int count = static_cast<int>(std::ceil(max / step - 1e-9));
  for (int i = 0; i <= count; ++i) ticks.push_back(i * step);
  return ticks;
}

std::string escape_html(const std::string& text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::string svg_line_chart(const LineChart& chart) {
  const XAxis axis = make_x_axis(chart.series);
  double y_max_value = 0;
  for (const Series& s : chart.series) {
    for (const auto& point : s.points) y_max_value = std::max(y_max_value, point.second);
  }
  const std::vector<double> y_ticks = nice_ticks(y_max_value);
  const double y_max = y_ticks.back();
  const double plot_bottom = kTop + kPlotHeight;

  double legend_height = 0;
  const std::string legend_svg = legend(line_legend(chart), kLeft, plot_bottom + kBottom,
                                        kLineWidth - kLeft - kRight, legend_height);
  const double height = plot_bottom + kBottom + legend_height + 4;

  std::string svg = svg_open(kLineWidth, height, chart.title, kLeft);
  svg += y_grid(y_ticks, y_max, plot_bottom) + x_ticks(axis, plot_bottom);
  svg += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" class="axis"/>)", num(kLeft),
                     num(kTop), num(plot_bottom));
  svg += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" class="axis"/>)", num(kLeft),
                     num(plot_bottom), num(kLineWidth - kRight));
  svg += fmt::format(R"(<text x="{}" y="{}" class="label" text-anchor="middle">{}</text>)",
                     num((kLeft + kLineWidth - kRight) / 2), num(plot_bottom + 38),
                     escape_html(chart.x_label));
  svg += fmt::format(
      R"svg(<text transform="translate(16,{}) rotate(-90)" class="label" text-anchor="middle">{}</text>)svg",
      num((kTop + plot_bottom) / 2), escape_html(chart.y_label));
  for (const Series& s : chart.series) svg += series_marks(s, axis, y_max, plot_bottom);
  return svg + legend_svg + "</svg>";
}

std::string svg_bar_chart(const BarChart& chart) {
  std::size_t longest_label = 0, longest_value = 0;
  double max_value = chart.reference;
  for (const Bar& bar : chart.bars) {
    longest_label = std::max(longest_label, bar.label.size());
    longest_value = std::max(longest_value, bar.value_text.size());
    max_value = std::max(max_value, bar.value);
  }
  const double label_width = std::min(360.0, longest_label * kCharWidth + 12);
  // The longest bar keeps room on its right for its value.
  const double x0 = label_width + 8, x1 = kBarWidth - 16 - longest_value * kCharWidth;
  const double top = 36, plot_bottom = top + chart.bars.size() * kBarRow + 4;
  const std::vector<double> ticks = nice_ticks(max_value);
  const auto x_pixel = [&](double v) { return x0 + v / ticks.back() * (x1 - x0); };
  const auto tick_label = [&](double v) { return tick_text(v) + (chart.percent_ticks ? "%" : ""); };

  std::vector<LegendEntry> entries;
  for (const auto& [color, meaning] : chart.legend) entries.push_back({meaning, color, false});
  double legend_height = 0;
  const std::string legend_svg = legend(entries, x0, plot_bottom + 40, x1 - x0, legend_height);
  const double height = plot_bottom + 40 + legend_height + 6;

  std::string svg = svg_open(kBarWidth, height, chart.title, x0);
  for (double tick : ticks) {
    svg += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" class="grid"/>)",
                       num(x_pixel(tick)), num(top), num(plot_bottom));
    svg += fmt::format(R"(<text x="{}" y="{}" class="tick" text-anchor="middle">{}</text>)",
                       num(x_pixel(tick)), num(plot_bottom + 16), tick_label(tick));
  }
  svg += fmt::format(R"(<text x="{}" y="{}" class="label" text-anchor="middle">{}</text>)",
                     num((x0 + x1) / 2), num(plot_bottom + 34), escape_html(chart.x_label));
  for (std::size_t i = 0; i < chart.bars.size(); ++i) {
    const Bar& bar = chart.bars[i];
    svg += bar_row(bar, top + i * kBarRow + (kBarRow - kBarThickness) / 2, x0, x_pixel(bar.value),
                   label_width);
  }
  svg += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" class="axis"/>)", num(x0),
                     num(top), num(plot_bottom));
  if (chart.reference > 0) {
    svg += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" class="reference"/>)",
                       num(x_pixel(chart.reference)), num(top - 4), num(plot_bottom));
  }
  return svg + legend_svg + "</svg>";
}

}  // namespace memwall::report
