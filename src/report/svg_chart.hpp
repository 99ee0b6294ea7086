#pragma once
// Inline SVG charts for the HTML report: a line chart (a quantity against concurrency or arrival
// rate) and a horizontal bar chart (one bar per point). Plain markup, no script: hovering a mark
// shows its value through SVG <title>.
#include <string>
#include <utility>
#include <vector>

namespace memwall::report {

struct LegendStyle {
  std::string label;  // "aggregate", "p99"
  bool dashed = false;
};

struct Series {
  std::string label;      // in the legend (solid series only) and tooltips
  std::string statistic;  // "p99", "per user": what the line shows, in tooltips
  std::string color;      // CSS color
  bool dashed = false;
  std::vector<std::pair<double, double>> points;  // (x, y), drawn in x order
};

struct LineChart {
  std::string title;
  std::string x_label, y_label;
  std::vector<Series> series;
  std::vector<LegendStyle> styles;  // what solid and dashed lines mean, shown after the series
};

struct Bar {
  std::string label;
  double value = 0;
  std::string value_text;  // printed at the end of the bar
  std::string color;
};

struct BarChart {
  std::string title;
  std::string x_label;
  std::vector<Bar> bars;
  std::vector<std::pair<std::string, std::string>> legend;  // (color, meaning)
  double reference = 0;  // a dashed vertical line at this value (e.g. 100%), 0 for none
  bool percent_ticks = false;
};

std::string svg_line_chart(const LineChart& chart);
std::string svg_bar_chart(const BarChart& chart);

// Round tick values covering [0, max]: steps of 1, 2, 2.5 or 5 times a power of ten.
std::vector<double> nice_ticks(double max, int target_count = 5);

std::string escape_html(const std::string& text);

}  // namespace memwall::report
