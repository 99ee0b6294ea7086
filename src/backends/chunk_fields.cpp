#include "chunk_fields.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace memwall::backends {
namespace {

using json = nlohmann::json;

enum class Key : std::uint8_t {
  other, choices, text, delta, content, reasoning_content, reasoning, finish_reason, usage, prompt_tokens,
  completion_tokens, timings, prompt_n, prompt_ms, predicted_n, predicted_ms, error, message, response, thinking,
  done, prompt_eval_count, prompt_eval_duration, eval_count, eval_duration,
};

constexpr std::array<std::pair<std::string_view, Key>, 24> kKeys = {{
    {"choices", Key::choices}, {"text", Key::text}, {"delta", Key::delta}, {"content", Key::content},
    {"reasoning_content", Key::reasoning_content}, {"reasoning", Key::reasoning},
    {"finish_reason", Key::finish_reason}, {"usage", Key::usage}, {"prompt_tokens", Key::prompt_tokens},
    {"completion_tokens", Key::completion_tokens}, {"timings", Key::timings}, {"prompt_n", Key::prompt_n},
    {"prompt_ms", Key::prompt_ms}, {"predicted_n", Key::predicted_n}, {"predicted_ms", Key::predicted_ms},
    {"error", Key::error}, {"message", Key::message}, {"response", Key::response}, {"thinking", Key::thinking},
    {"done", Key::done}, {"prompt_eval_count", Key::prompt_eval_count},
    {"prompt_eval_duration", Key::prompt_eval_duration}, {"eval_count", Key::eval_count},
    {"eval_duration", Key::eval_duration},
}};

Key key_of(std::string_view name) {
  for (const auto& [text, key] : kKeys) {
    if (text == name) return key;
  }
  return Key::other;
}

// Walks the SAX events with a stack of the containers open, each tagged with the key it is the
// value of, so "where am I" is a look at the top few frames.
class Scanner final : public nlohmann::json_sax<json> {
 public:
  explicit Scanner(ChunkFields& out) : out_(out) { stack_.reserve(8); }

  bool null() override { return scalar(); }
  bool boolean(bool value) override {
    if (at_top() && key_ == Key::done) out_.done = value;
    return scalar();
  }
  bool number_integer(number_integer_t value) override { return number(static_cast<double>(value)); }
  bool number_unsigned(number_unsigned_t value) override { return number(static_cast<double>(value)); }
  bool number_float(number_float_t value, const string_t&) override { return number(value); }
  bool string(string_t& value) override;
  bool binary(binary_t&) override { return scalar(); }
  bool start_object(std::size_t) override;
  bool key(string_t& name) override {
    key_ = key_of(name);
    return true;
  }
  bool end_object() override { return pop(); }
  bool start_array(std::size_t) override;
  bool end_array() override { return pop(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  struct Frame {
    Key key;  // the key whose value this container is (items of an array: the array's key)
    bool array;
  };

  Key here() const { return stack_.empty() ? Key::other : stack_.back().array ? stack_.back().key : key_; }
  bool at_top() const { return stack_.size() == 1 && !stack_[0].array; }
  bool in_choices_array() const { return stack_.size() == 2 && stack_[1].array && stack_[1].key == Key::choices; }
  bool in_choice() const { return stack_.size() == 3 && stack_[1].array && stack_[1].key == Key::choices; }
  bool in_delta() const { return stack_.size() == 4 && stack_[1].key == Key::choices && stack_[3].key == Key::delta; }
  bool in(Key object) const { return stack_.size() == 2 && !stack_[1].array && stack_[1].key == object; }

  // A value that is not null where an error or a finish reason goes.
  void non_null() {
    if (at_top() && key_ == Key::error) out_.has_error = true;
    if (in_choice() && key_ == Key::finish_reason) out_.finish = true;
  }
  bool scalar() {
    if (in_choices_array()) out_.bad_choice = true;
    return true;
  }
  bool number(double value);
  bool pop() {
    stack_.pop_back();
    return true;
  }

  ChunkFields& out_;
  std::vector<Frame> stack_;
  Key key_ = Key::other;
};

bool Scanner::string(string_t& value) {
  const auto bytes = static_cast<std::int64_t>(value.size());
  non_null();
  if (at_top() && (key_ == Key::response || key_ == Key::thinking)) out_.text_bytes += bytes;
  if (at_top() && key_ == Key::error) out_.error_message = value;
  if (in_choice() && key_ == Key::text) out_.text_bytes += bytes;
  if (in_delta() && (key_ == Key::content || key_ == Key::reasoning_content || key_ == Key::reasoning)) {
    out_.text_bytes += bytes;
  }
  if (in(Key::error) && key_ == Key::message) out_.error_message = value;
  return scalar();
}

bool Scanner::number(double value) {
  non_null();
  if (in(Key::usage) && key_ == Key::prompt_tokens) out_.prompt_tokens = static_cast<std::int64_t>(value);
  if (in(Key::usage) && key_ == Key::completion_tokens) out_.completion_tokens = static_cast<std::int64_t>(value);
  if (in(Key::timings)) {
    std::optional<double>* field = key_ == Key::prompt_n       ? &out_.prompt_n
                                   : key_ == Key::prompt_ms    ? &out_.prompt_ms
                                   : key_ == Key::predicted_n  ? &out_.predicted_n
                                   : key_ == Key::predicted_ms ? &out_.predicted_ms
                                                               : nullptr;
    if (field) *field = value;
  }
  if (at_top()) {
    std::optional<double>* field = key_ == Key::prompt_eval_count      ? &out_.prompt_eval_count
                                   : key_ == Key::prompt_eval_duration ? &out_.prompt_eval_duration_ns
                                   : key_ == Key::eval_count           ? &out_.eval_count
                                   : key_ == Key::eval_duration        ? &out_.eval_duration_ns
                                                                       : nullptr;
    if (field) *field = value;
  }
  return scalar();
}

bool Scanner::start_object(std::size_t) {
  if (stack_.empty()) out_.is_object = true;
  non_null();
  if (at_top() && key_ == Key::usage) out_.has_usage = true;
  if (at_top() && key_ == Key::timings) out_.has_timings = true;
  stack_.push_back({here(), false});
  key_ = Key::other;
  return true;
}

bool Scanner::start_array(std::size_t) {
  non_null();
  if (in_choices_array()) out_.bad_choice = true;
  stack_.push_back({here(), true});
  return true;
}

}  // namespace

ChunkFields scan_chunk(std::string_view payload) {
  ChunkFields out;
  Scanner scanner(out);
  out.valid_json = json::sax_parse(payload, &scanner);
  return out;
}

}  // namespace memwall::backends
