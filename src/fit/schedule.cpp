#include "memwall/fit/schedule.hpp"

#include <algorithm>
#include <deque>

namespace memwall::fit {
namespace {

// Sequences whose prompts finished in the same step decode together for gen - 1 steps, so the
// decoding sequences are a queue of such cohorts, oldest first: a step costs O(cohorts), not
// O(users), which keeps `fit` and `plan` fast at thousands of users.
struct Cohort {
  std::int64_t first = 0;  // the step that gave them their first token
  std::int64_t last = 0;   // the step of their last token
  double count = 0;
};

struct Waiting {
  std::size_t request = 0;
  std::int64_t done = 0;  // prompt tokens already in the cache
};

class Simulation {
 public:
  Simulation(const ModelShape& shape, const ServingLoad& load) : shape_(shape), load_(load) {
    const std::int64_t total = load.warmup + load.requests;
    schedule_.gen = load.gen;
    schedule_.requests.resize(static_cast<std::size_t>(total));
    for (std::int64_t i = 0; i < load.warmup; ++i) schedule_.requests[static_cast<std::size_t>(i)].warmup = true;
  }

  Schedule run() && {
    const auto total = static_cast<std::int64_t>(schedule_.requests.size());
    for (std::int64_t step = 0; done_ < total; ++step) {
      admit(step, total);
      StepLoad load;
      const double decoding = add_decode_tokens(step, load);
      add_prompt_chunks(step, decoding, load);
      schedule_.steps.push_back(load);
      finish(step);
    }
    return std::move(schedule_);
  }

 private:
  // Closed loop: every user whose request ended sends the next one before the next step.
  void admit(std::int64_t step, std::int64_t total) {
    while (next_ < total && in_flight_ < static_cast<double>(load_.users)) {
      schedule_.requests[static_cast<std::size_t>(next_)].sent = step;
      waiting_.push_back({static_cast<std::size_t>(next_++), 0});
      ++in_flight_;
    }
  }

  double add_decode_tokens(std::int64_t step, StepLoad& load) const {
    const double before = static_cast<double>(load_.depth + load_.prompt);
    double tokens = 0, attention = 0;
    for (const Cohort& c : cohorts_) {
      if (c.first >= step) continue;  // decodes from the step after its first token
      const double context = before + static_cast<double>(step - c.first);  // positions the token sees
      tokens += c.count;
      load.kv_bytes += c.count * shape_.kv_bytes(load_.kv_type, context);
      attention += c.count * shape_.attention_flops(context);
    }
    load.tokens += tokens;
    load.logit_tokens += tokens;
    load.decode_tokens += tokens;
    load.attention_flops += attention;
    load.decode_attention_flops += attention;
    return tokens;
  }

  void add_prompt_chunks(std::int64_t step, double decoding, StepLoad& load) {
    auto budget = static_cast<double>(std::min<std::int64_t>(
        load_.prefill_budget, load_.max_batch_tokens - static_cast<std::int64_t>(decoding)));
    while (budget > 0 && !waiting_.empty()) {
      Waiting& w = waiting_.front();
      const auto left = static_cast<double>(load_.prompt - w.done);
      const double chunk = std::min(budget, left);
      const bool last = chunk == left;
      const StepLoad part = prompt_chunk_load(shape_, load_.kv_type, static_cast<double>(load_.depth + w.done), chunk, last);
      load.tokens += part.tokens;
      load.logit_tokens += part.logit_tokens;
      load.kv_bytes += part.kv_bytes;
      load.attention_flops += part.attention_flops;
      budget -= chunk;
      w.done += static_cast<std::int64_t>(chunk);
      if (!last) break;
      first_token(w.request, step);
      waiting_.pop_front();
    }
  }

  void first_token(std::size_t request, std::int64_t step) {
    ScheduledRequest& r = schedule_.requests[request];
    r.first = step;
    r.last = step + load_.gen - 1;
    if (!cohorts_.empty() && cohorts_.back().first == step) {
      cohorts_.back().count += 1;
    } else {
      cohorts_.push_back({step, r.last, 1});
    }
  }

  // Cohorts leave in the order they came: all decode for the same number of steps.
  void finish(std::int64_t step) {
    while (!cohorts_.empty() && cohorts_.front().last == step) {
      in_flight_ -= cohorts_.front().count;
      done_ += static_cast<std::int64_t>(cohorts_.front().count);
      cohorts_.pop_front();
    }
  }

  const ModelShape& shape_;
  const ServingLoad& load_;
  Schedule schedule_;
  std::deque<Waiting> waiting_;
  std::deque<Cohort> cohorts_;
  std::int64_t next_ = 0;
  std::int64_t done_ = 0;
  double in_flight_ = 0;
};

// The measured window: from the step the first measured request was sent before to the last step
// of a measured request.
std::pair<std::int64_t, std::int64_t> window(const Schedule& s) {
  std::int64_t begin = static_cast<std::int64_t>(s.steps.size()), end = 0;
  for (const ScheduledRequest& r : s.requests) {
    if (r.warmup) continue;
    begin = std::min(begin, r.sent);
    end = std::max(end, r.last);
  }
  return {begin, end};
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

Schedule closed_loop_schedule(const ModelShape& shape, const ServingLoad& load) {
  ServingLoad l = load;
  l.users = std::max<std::int64_t>(l.users, 1);
  l.prompt = std::max<std::int64_t>(l.prompt, 1);
  l.gen = std::max<std::int64_t>(l.gen, 1);
  l.requests = std::max<std::int64_t>(l.requests, 1);
  l.warmup = std::max<std::int64_t>(l.warmup, 0);
  l.prefill_budget = std::max<std::int64_t>(l.prefill_budget, 1);
  l.max_batch_tokens = std::max<std::int64_t>(l.max_batch_tokens, 1);
  return Simulation(shape, l).run();
}

ServingTimes serving_times(const Schedule& schedule, std::span<const double> step_s) {
  std::vector<double> end(step_s.size());  // each step's end, from the start of the load
  double t = 0;
  for (std::size_t i = 0; i < step_s.size(); ++i) end[i] = t += step_s[i];
  const auto start_of = [&](std::int64_t step) { return step > 0 ? end[static_cast<std::size_t>(step - 1)] : 0.0; };
  const auto end_of = [&](std::int64_t step) { return end[static_cast<std::size_t>(step)]; };
  ServingTimes out;
  std::vector<double> per_user, ttft;
  for (const ScheduledRequest& r : schedule.requests) {
    if (r.warmup) continue;
    ttft.push_back(1e3 * (end_of(r.first) - start_of(r.sent)));
    if (schedule.gen >= 2) per_user.push_back(static_cast<double>(schedule.gen - 1) / (end_of(r.last) - end_of(r.first)));
  }
  out.per_user_tok_s = median(per_user);
  out.ttft_ms = median(ttft);
  const auto [begin, last] = window(schedule);
  double tokens = 0;
  for (std::int64_t s = begin; s <= last; ++s) tokens += schedule.steps[static_cast<std::size_t>(s)].logit_tokens;
  const double seconds = end_of(last) - start_of(begin);
  out.agg_tok_s = seconds > 0 ? tokens / seconds : 0;
  return out;
}

ServingWeights serving_weights(const Schedule& schedule) {
  const std::size_t n = schedule.steps.size();
  ServingWeights w{std::vector<double>(n), std::vector<double>(n), std::vector<double>(n), 0, schedule.gen >= 2};
  const auto [begin, last] = window(schedule);
  for (std::int64_t s = begin; s <= last; ++s) {
    w.window[static_cast<std::size_t>(s)] = 1;
    w.window_tokens += schedule.steps[static_cast<std::size_t>(s)].logit_tokens;
  }
  double measured = 0;
  for (const ScheduledRequest& r : schedule.requests) measured += !r.warmup;
  for (const ScheduledRequest& r : schedule.requests) {
    if (r.warmup) continue;
    for (std::int64_t s = r.sent; s <= r.first; ++s) w.ttft[static_cast<std::size_t>(s)] += 1 / measured;
    if (!w.has_tpot) continue;
    const double share = 1 / (measured * static_cast<double>(schedule.gen - 1));
    for (std::int64_t s = r.first + 1; s <= r.last; ++s) w.tpot[static_cast<std::size_t>(s)] += share;
  }
  return w;
}

}  // namespace memwall::fit
