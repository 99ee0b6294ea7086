#pragma once
// Incremental framing of streamed responses: Server-Sent Events (OpenAI-compatible servers) and
// JSON lines (Ollama). Bytes arrive in arbitrary pieces; complete payloads come out in order.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace memwall::backends {

struct SseEvent {
  std::string type;  // the `event:` field; empty for the default "message"
  std::string data;  // the `data:` lines joined with '\n'
};

// The WHATWG event-stream grammar: lines end in LF, CRLF or CR; `data:` lines accumulate; a blank
// line dispatches the event; `:` starts a comment; one space after the colon is dropped. A field
// other than data, event, id or retry is an error: real servers send none, and a body that is not
// an event stream (an HTML error page, a JSON object) must not pass as an empty one.
class SseParser {
 public:
  // Appends complete events to `events`. False when the bytes break the grammar; `error()` says how.
  bool feed(std::string_view bytes, std::vector<SseEvent>& events);
  // Bytes of an event that has not been dispatched yet.
  bool has_partial() const { return !line_.empty() || has_data_; }
  const std::string& error() const { return error_; }

 private:
  bool take_line(std::string_view line, std::vector<SseEvent>& events);

  static constexpr std::size_t kMaxLineBytes = 16u << 20;
  std::string line_;       // an unfinished line
  std::string data_;
  std::string type_;
  bool has_data_ = false;
  bool after_cr_ = false;  // the last byte was CR: a following LF belongs to it
  std::string error_;
};

// Newline-delimited JSON: one payload per non-empty line (a trailing CR is dropped).
class JsonLinesParser {
 public:
  bool feed(std::string_view bytes, std::vector<std::string>& lines);
  bool has_partial() const { return !line_.empty(); }
  const std::string& error() const { return error_; }

 private:
  static constexpr std::size_t kMaxLineBytes = 16u << 20;
  std::string line_;
  std::string error_;
};

}  // namespace memwall::backends
