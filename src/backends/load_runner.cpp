#include "load_runner.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace memwall::backends {
namespace {

// Requests handed to libcurl per turn of the loop. libcurl sends all the new requests in one call,
// reading nothing meanwhile; in small batches, responses that have arrived are read (and stamped)
// between them, however many users start at once.
constexpr std::int64_t kLaunchBatch = 16;

std::int64_t seconds_to_ns(double s) { return static_cast<std::int64_t>(s * 1e9); }

double to_seconds(std::int64_t t_ns, std::int64_t start_ns) { return static_cast<double>(t_ns - start_ns) * 1e-9; }

}  // namespace

LoadRunner::LoadRunner(RunnerContext context, std::unique_ptr<MultiLoop> loop)
    : context_(std::move(context)), loop_(std::move(loop)), prompts_(context_.seed) {}

LoadRunner::~LoadRunner() {
  for (Open& open : open_) loop_->remove(open.transfer->easy());
  for (Open& open : open_) curl_easy_cleanup(open.transfer->easy());
  for (CURL* easy : idle_handles_) curl_easy_cleanup(easy);
}

std::size_t LoadRunner::run_phase(const std::vector<PlannedRequest>& plans, Arrivals arrivals,
                                  std::vector<RequestTiming>& out) {
  out.assign(plans.size(), RequestTiming{});
  const Clock& clock = *context_.clock;
  // Timeouts are checked this often: a tenth of the shortest, between 1 ms and 100 ms.
  const std::int64_t sweep_ns = std::clamp<std::int64_t>(
      seconds_to_ns(std::min(context_.timeouts.first_byte_s, context_.timeouts.idle_s) / 10), 1'000'000, 100'000'000);
  std::int64_t next_sweep_ns = clock.now_ns() + sweep_ns;
  std::size_t sent = 0, ended = 0;
  std::vector<std::pair<CURL*, CURLcode>> done;
  while (ended < plans.size()) {
    if (stopped()) {
      cancel_all(out);
      out.resize(sent);
      return sent;
    }
    std::int64_t now_ns = clock.now_ns();
    for (const Release& release : arrivals.take(now_ns, static_cast<std::int64_t>(open_.size()), kLaunchBatch)) {
      const auto i = static_cast<std::size_t>(release.index);
      ++sent;
      if (!launch(plans[i], release, out)) ++ended;
    }
    peak_in_flight_ = std::max(peak_in_flight_, static_cast<std::int64_t>(open_.size()));
    if (ended == plans.size()) break;
    const std::int64_t due_ns = arrivals.next_due_ns(now_ns, static_cast<std::int64_t>(open_.size()));
    const std::int64_t wait_ns = std::min({due_ns - now_ns, next_sweep_ns - now_ns, std::int64_t{100'000'000}});
    done.clear();
    loop_->poll(wait_ns, done);
    for (const auto& [easy, code] : done) complete(easy, code, out);
    ended += done.size();
    now_ns = clock.now_ns();
    if (now_ns >= next_sweep_ns) {
      ended += sweep(now_ns, out);
      next_sweep_ns = now_ns + sweep_ns;
    }
  }
  return sent;
}

bool LoadRunner::launch(const PlannedRequest& plan, const Release& release, std::vector<RequestTiming>& out) {
  const auto request = static_cast<std::size_t>(release.index);
  RequestTiming& timing = out[request];
  timing.scheduled_s = to_seconds(release.scheduled_ns, context_.start_ns);
  timing.warmup = plan.warmup;
  timing.prompt_tokens = plan.prompt_tokens_estimate;
  const std::int64_t now_ns = context_.clock->now_ns();
  CURL* easy = nullptr;
  if (!idle_handles_.empty()) {
    easy = idle_handles_.back();
    idle_handles_.pop_back();
  } else if (!context_.unresolvable) {
    easy = make_easy(context_.connection, loop_->arrival_clock());
  }
  if (easy == nullptr) {
    timing.sent_s = timing.end_s = to_seconds(now_ns, context_.start_ns);
    timing.error_kind = context_.unresolvable ? error_kind::dns : error_kind::transport;
    timing.error_message = context_.unresolvable
                               ? "the .invalid top-level domain never resolves (RFC 6761)"
                               : "libcurl could not create a handle";
    return false;
  }
  auto transfer = std::make_unique<Transfer>(context_.api, loop_->arrival_clock());
  const std::string prompt = prompts_.make(plan.tag, plan.index, plan.words);
  transfer->start(easy, context_.builder->body(prompt, plan.max_tokens), now_ns);
  transfer->slot = open_.size();
  open_.push_back({std::move(transfer), request, plan.prompt_tokens_estimate});
  loop_->add(easy);
  return true;
}

void LoadRunner::complete(CURL* easy, CURLcode code, std::vector<RequestTiming>& out) {
  Transfer* transfer = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
  end(transfer->slot, code, out);
}

void LoadRunner::end(std::size_t slot, CURLcode code, std::vector<RequestTiming>& out) {
  Open open = std::move(open_[slot]);
  if (slot + 1 != open_.size()) {
    open_[slot] = std::move(open_.back());
    open_[slot].transfer->slot = slot;
  }
  open_.pop_back();
  loop_->remove(open.transfer->easy());
  RequestTiming& timing = out[open.request];
  open.transfer->finish(code, context_.clock->now_ns(), context_.start_ns, *context_.builder, timing);
  if (!timing.usage_reported) timing.prompt_tokens = open.prompt_tokens_estimate;
  idle_handles_.push_back(open.transfer->easy());
}

std::size_t LoadRunner::sweep(std::int64_t now_ns, std::vector<RequestTiming>& out) {
  const std::int64_t first_byte_ns = seconds_to_ns(context_.timeouts.first_byte_s);
  const std::int64_t idle_ns = seconds_to_ns(context_.timeouts.idle_s);
  std::size_t aborted = 0;
  for (std::size_t slot = open_.size(); slot-- > 0;) {
    Transfer& t = *open_[slot].transfer;
    if (t.last_body_ns() == 0 && now_ns - t.sent_ns() > first_byte_ns) {
      t.abort(error_kind::first_byte_timeout,
              fmt::format("no response body within {} s", context_.timeouts.first_byte_s));
    } else if (t.last_body_ns() != 0 && now_ns - t.last_body_ns() > idle_ns) {
      t.abort(error_kind::idle_timeout, fmt::format("nothing received for {} s mid-response", context_.timeouts.idle_s));
    } else {
      continue;
    }
    end(slot, CURLE_OK, out);
    ++aborted;
  }
  return aborted;
}

void LoadRunner::cancel_all(std::vector<RequestTiming>& out) {
  while (!open_.empty()) {
    open_.back().transfer->abort(error_kind::cancelled, "the load was stopped");
    end(open_.size() - 1, CURLE_OK, out);
  }
}

}  // namespace memwall::backends
