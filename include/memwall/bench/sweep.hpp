#pragma once
// The sweep: every dimension a list, expanded generically into points. The model is the outer loop
// (each model loads once), then the scheme (each scheme quantizes once), then the rest.
#include <cstdint>
#include <string>
#include <vector>

#include "memwall/util/result.hpp"

namespace memwall::bench {

enum class TestKind { pp, tg, serve };
std::string_view test_name(TestKind kind);

// Prompt tokens the built-in engine takes into one step, on top of one token per decoding sequence.
inline constexpr std::int64_t kDefaultPrefillBudget = 512;
// More would size the step's activation buffers past what a budget buys (prefill is compute-bound by then).
inline constexpr std::int64_t kMaxPrefillBudget = 8192;

struct SweepSpec {
  std::vector<std::string> models;   // GGUF paths or preset:NAME
  std::vector<std::string> quants;   // schemes; empty = the file as it is (presets: Q4_0)
  std::vector<std::int64_t> threads{0};  // 0 = one per physical core
  std::vector<std::int64_t> concurrency;  // closed-loop users (serving tests)
  std::vector<double> rates;               // open-loop arrivals per second (serving tests)
  std::int64_t rate_max_concurrency = 0;   // cap on requests in flight under --rate; 0 = none
  std::vector<std::int64_t> prompts{512};
  std::vector<std::int64_t> gens{128};
  std::vector<std::int64_t> depths{0};
  std::vector<std::string> kv_types{"f16"};
  std::vector<std::int64_t> prefill_budgets{kDefaultPrefillBudget};  // built-in engine only
  std::int64_t repetitions = 3;
  std::int64_t warmup = 1;         // untimed runs (pp/tg) or requests (serving) before measuring
  double min_time_s = 0;           // repeat until at least this long (and -r reached)
  std::int64_t requests = 0;       // per serving point; 0 = 4 per user (closed) or 16 (open)
  std::uint64_t seed = 1;
};

struct Point {
  std::string model;
  std::string scheme;  // "" = as the file is
  TestKind test = TestKind::tg;
  std::int64_t threads = 0;
  std::int64_t concurrency = 0;  // serving, closed loop
  double rate = 0;               // serving, open loop
  std::int64_t max_concurrency = 0;
  std::int64_t prompt = 0;
  std::int64_t gen = 0;
  std::int64_t depth = 0;
  std::string kv_type = "f16";
  std::int64_t prefill_budget = kDefaultPrefillBudget;
  std::int64_t repetitions = 1;
  std::int64_t warmup = 0;
  double min_time_s = 0;
  std::int64_t requests = 0;
  std::uint64_t seed = 1;

  // "tg128 @ d0", "pp512", "c4 p128 n64", "r2/s p128 n64": the short name tables show.
  std::string label() const;
};

// Engine-level points (pp for each prompt, tg for each gen) when neither concurrency nor rate is
// given; serving points otherwise. Errors: nothing to run.
Result<std::vector<Point>> expand(const SweepSpec& spec);

// A named sweep: profiles/sweeps/NAME.json (embedded), or a path to such a file. Its keys are the
// flags' long names (model, quant, threads, concurrency, rate, prompt, gen, depth, kv-type,
// prefill-budget, repetitions, warmup, min-time, requests) with the same list syntax as strings or numbers.
Result<SweepSpec> load_sweep_profile(const std::string& name_or_path);
std::vector<std::string> sweep_profile_names();

}  // namespace memwall::bench
