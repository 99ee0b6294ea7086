#include "memwall/backends/stream_parsers.hpp"

#include <fmt/format.h>

namespace memwall::backends {

bool SseParser::feed(std::string_view bytes, std::vector<SseEvent>& events) {
  if (!error_.empty()) return false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c != '\n' && c != '\r') continue;
    const bool lf_of_crlf = c == '\n' && after_cr_ && i == start && line_.empty();
    after_cr_ = c == '\r';
    if (lf_of_crlf) {
      start = i + 1;
      continue;
    }
    bool ok = true;
    if (line_.empty()) {
      ok = take_line(bytes.substr(start, i - start), events);
    } else {
      line_.append(bytes.substr(start, i - start));
      ok = take_line(line_, events);
      line_.clear();
    }
    if (!ok) return false;
    start = i + 1;
  }
  if (start < bytes.size()) {
    after_cr_ = false;
    line_.append(bytes.substr(start));
    if (line_.size() > kMaxLineBytes) {
      error_ = fmt::format("an event-stream line is longer than {} bytes", kMaxLineBytes);
      return false;
    }
  }
  return true;
}

bool SseParser::take_line(std::string_view line, std::vector<SseEvent>& events) {
  if (line.empty()) {
    if (has_data_) {
      if (!data_.empty() && data_.back() == '\n') data_.pop_back();
      events.push_back({std::move(type_), std::move(data_)});
    }
    data_.clear();
    type_.clear();
    has_data_ = false;
    return true;
  }
  if (line.front() == ':') return true;  // comment (keep-alive pings)
  const std::size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
    has_data_ = true;
  } else if (field == "event") {
    type_ = std::string(value);
  } else if (field != "id" && field != "retry") {
    constexpr std::size_t kShown = 60;
    error_ = fmt::format("not an event stream: line '{}{}'", line.substr(0, kShown),
                         line.size() > kShown ? "..." : "");
    return false;
  }
  return true;
}

bool JsonLinesParser::feed(std::string_view bytes, std::vector<std::string>& lines) {
  if (!error_.empty()) return false;
  std::size_t start = 0;
  for (std::size_t newline = bytes.find('\n'); newline != std::string_view::npos;
       newline = bytes.find('\n', start)) {
    line_.append(bytes.substr(start, newline - start));
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (!line_.empty()) lines.push_back(std::move(line_));
    line_.clear();
    start = newline + 1;
  }
  line_.append(bytes.substr(start));
  if (line_.size() > kMaxLineBytes) {
    error_ = fmt::format("a JSON line is longer than {} bytes", kMaxLineBytes);
    return false;
  }
  return true;
}

}  // namespace memwall::backends
