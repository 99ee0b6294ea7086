#pragma once
// Whether the machine's speed moved while a run ran, told from the run's own steps. Decode steps
// with the same number of tokens do the same work (the KV bytes of their context counted), so on a
// machine that holds still they move bytes at about one rate. A host that switches bandwidth within
// seconds (the Zen 5 host of results/fit.md: about 52 and 86 GB/s) shows up as two rates, which the
// reads around the run can both miss.
#include <cstdint>
#include <vector>

namespace memwall::bench {

struct DecodeStepRate {
  std::int64_t decode_tokens = 0;  // tokens the step decoded (a step with prompt tokens is left out)
  double bytes_per_s = 0;          // weights + KV the step read, over its duration
};

// Over each batch size with at least kSpreadMinSteps steps, in the order they ran: the rates held
// for five steps (each five consecutive steps' median), and the 90th percentile of those over the
// 10th; the largest such ratio, or 1 when no batch size has that many steps. A tenth of the steps
// at another rate in a row moves it; steps slowed one at a time (the OS taking the core) do not.
// Steady runs (the embedded default, whose steps take about 5 ms, and the fit sets of results/fit.md):
// 1.01-1.18; runs in which the Zen 5 host switched between bandwidth modes: 1.26-1.68.
inline constexpr std::size_t kSpreadMinSteps = 10;
double step_spread(const std::vector<DecodeStepRate>& steps);

}  // namespace memwall::bench
