// JUnit XML, which CI systems show as a test report: one test case per point and metric.
#include <fmt/format.h>

#include "memwall/check/render.hpp"
#include "wording.hpp"

namespace memwall::check {
namespace {

// Text for an attribute or element. Control characters other than tab and newline are not allowed
// in XML 1.0 at all, so a failure reason carrying one is still a well-formed report.
std::string xml_escape(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += "&#10;"; break;
      case '\t': out += "&#9;"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20)
          out += '?';
        else
          out += ch;
    }
  }
  return out;
}

std::string comparison_summary(const Comparison& c) {
  return fmt::format("{} {} -> {} ({}, tolerance {}, noise test {})", c.metric->display,
                     format_value(c.baseline.value), format_value(c.current.value),
                     format_change(c.change), format_percent(c.tolerance), noise_text(c));
}

std::string testcase(const std::string& classname, const std::string& name,
                     const std::string& body) {
  const std::string open = fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                                       xml_escape(classname), xml_escape(name));
  return body.empty() ? open + "/>\n" : open + ">\n" + body + "    </testcase>\n";
}

std::string comparison_case(const Comparison& c) {
  std::string body;
  if (c.verdict == Verdict::Regression) {
    body = fmt::format("      <failure type=\"regression\" message=\"{}\"/>\n",
                       xml_escape(verdict_text(c) + ": " + comparison_summary(c)));
  } else {
    body = fmt::format("      <system-out>{}</system-out>\n",
                       xml_escape(verdict_text(c) + ": " + comparison_summary(c)));
  }
  return testcase(point_label(c.point), c.metric->name, body);
}

// Duplicates are warnings about the input, not test cases.
bool is_case(const Note& n) { return n.kind != NoteKind::Duplicate; }

std::string note_case(const Note& n) {
  const std::string message =
      n.detail.empty() ? note_kind_text(n.kind) : note_kind_text(n.kind) + ": " + n.detail;
  const char* element = n.kind == NoteKind::FailedInCurrent ? "failure" : "skipped";
  const std::string body = fmt::format("      <{} type=\"{}\" message=\"{}\"/>\n", element,
                                       note_kind_id(n.kind), xml_escape(message));
  return testcase(point_label(n.point), n.metric.empty() ? "point" : n.metric, body);
}

}  // namespace

std::string render_junit(const CheckReport& report) {
  std::size_t cases = report.comparisons.size(), skipped = 0;
  for (const Note& n : report.notes) {
    if (!is_case(n)) continue;
    ++cases;
    if (n.kind != NoteKind::FailedInCurrent) ++skipped;
  }
  const std::size_t failures =
      report.count(Verdict::Regression) + report.count(NoteKind::FailedInCurrent);
  const std::string counts = fmt::format("tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\"",
                                         cases, failures, skipped);
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format("<testsuites name=\"memwall check\" {}>\n", counts);
  xml += fmt::format("  <testsuite name=\"memwall check: {} vs {}\" {}>\n",
                     xml_escape(report.current_path), xml_escape(report.baseline_path), counts);
  for (const Comparison& c : report.comparisons) xml += comparison_case(c);
  for (const Note& n : report.notes) {
    if (is_case(n)) xml += note_case(n);
  }
  xml += fmt::format(
      "    <system-out>{}</system-out>\n",
      xml_escape(tolerance_text(report.options.tolerances) + " " + method_text(report.options)));
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

}  // namespace memwall::check
