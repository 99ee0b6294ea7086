#pragma once
// How far real inference gets from the peaks: one set of fractions per device class, each fitted
// once on published llama.cpp measurements of devices named in the README, and replaced by this
// machine's own when `memwall fit --calibrate` has seen its bench runs ("measured beats default").
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "memwall/util/result.hpp"

namespace memwall::fit {

enum class DeviceClass { apple_gpu, nvidia_consumer, nvidia_datacenter, nvidia_soc, amd_gpu, amd_apu, cpu };

std::string_view device_class_name(DeviceClass c);  // "apple-gpu", ...
std::optional<DeviceClass> device_class_from_name(std::string_view name);
std::string device_class_names();  // "apple-gpu, nvidia-consumer, ..." for error messages

// A read of read_gbps as a machine whose steps stream no faster than at ceiling_gbps (0: none) uses it.
inline double read_below_ceiling(double read_gbps, double ceiling_gbps) {
  return ceiling_gbps > 0 && ceiling_gbps < read_gbps ? ceiling_gbps : read_gbps;
}

// The constants of the step model (fit/step_model.hpp).
struct Efficiency {
  double decode_bandwidth = 0;             // fraction of the bandwidth a step streams weights and KV at
  double step_overhead_us_per_layer = 0;   // fixed cost of a step, per layer (launches, barriers)
  double compute = 0;                      // fraction of the compute peak a step's arithmetic reaches
                                           // (prompt tokens; decode tokens too unless below says)
  double compute_overlap = 1;              // 1: memory and arithmetic overlap (time = the larger);
                                           // 0: they add up (the same CPU cores do both)
  bool calibrated = false;
  std::string source;  // where the numbers come from, printed with every prediction
  // Steps of float weights (F32/F16/BF16) run other kernels against another peak (a CPU's f32
  // FMA instead of its int8 dot products): their own fraction of it; 0 = the same as `compute`.
  double compute_float = 0;
  // Decode tokens (one per decoding sequence) run the same kernels on a few rows at a time, which
  // reuse each loaded weight for fewer tokens than a prompt: a calibration with serving points of
  // several users gives their arithmetic a fraction of its own, for quantized and for float
  // weights; 0 = the prompt's fraction above.
  double compute_decode = 0;
  double compute_decode_float = 0;
  // Weights in super-block types (the K-quants) stream at their own fraction of the bandwidth where
  // a calibration shows it (a CPU's K-quant kernels unpack more per byte); 0 = decode_bandwidth.
  double superblock_bandwidth = 0;
  // Attention's arithmetic (the FLOPs of the scores and of the weighted sum of V) runs on float
  // vectors whatever the weights are: where a calibration has points at depth, it gets a fraction of
  // the float peak (Hardware::compute_tflops) of its own; 0 = the arithmetic of its step's tokens,
  // at the weights' peak and efficiency.
  double attention = 0;
  // A read above which this machine's steps stream no faster, where a calibration's points, read
  // at bandwidths far apart, show one (a host whose memory sometimes gives its few cores more than
  // their kernels can take); 0 = none: the steps stream at a share of any read.
  double read_ceiling_gbps = 0;
  // A step's barriers and hand-overs wait on cache lines passed between the cores, so on a host
  // that places its cores near or far apart from one run to the next (the Zen 5 host of
  // results/fit.md: a round trip of about 100 or 530 ns) the overhead follows the round trip:
  // where a calibration saw round trips far apart, it grows by overhead_round_trips_per_layer
  // round trips per layer above its value step_overhead_us_per_layer at overhead_round_trip_ns.
  // 0 = the same overhead at any round trip.
  double overhead_round_trips_per_layer = 0;
  double overhead_round_trip_ns = 0;
  // Prompt tokens' arithmetic on quantized weights other than Q8_0 and Q4_0 (ModelShape::
  // other_quant_layer_share): its own fraction of the compute peak where a calibration shows it (a
  // CPU with AMX runs Q8_0 and Q4_0 prompts on its tile unit, the others on its vector units:
  // results/fit.md, *An Intel host with AMX*); 0 = `compute`.
  double compute_other_quant = 0;

  // The overhead per layer and step on cores whose round trip is round_trip_ns (0: not known,
  // taken as overhead_round_trip_ns).
  double overhead_us_per_layer(double round_trip_ns) const {
    if (!(round_trip_ns > 0) || overhead_round_trips_per_layer <= 0) return step_overhead_us_per_layer;
    const double extra_us = overhead_round_trips_per_layer * (round_trip_ns - overhead_round_trip_ns) * 1e-3;
    return std::max(0.0, step_overhead_us_per_layer + extra_us);
  }
  // The bandwidth a step streams at a share of, for a machine whose read is read_gbps.
  double bandwidth_at(double read_gbps) const { return read_below_ceiling(read_gbps, read_ceiling_gbps); }
  double bandwidth_for_superblocks() const { return superblock_bandwidth > 0 ? superblock_bandwidth : decode_bandwidth; }
  double compute_for_other_quant() const { return compute_other_quant > 0 ? compute_other_quant : compute; }

  double compute_for(bool quantized_weights, bool decode_tokens = false) const {
    const double prompt = quantized_weights || compute_float <= 0 ? compute : compute_float;
    const double decode = quantized_weights ? compute_decode : compute_decode_float;
    return decode_tokens && decode > 0 ? decode : prompt;
  }
};

Efficiency default_efficiency(DeviceClass c);
// Memory a runtime takes besides weights, KV cache and buffers (context, code, thread stacks).
double runtime_overhead_gib(DeviceClass c);

// This machine's calibration, stored beside the probe cache as fit-<fingerprint>.json.
struct Calibration {
  std::string fingerprint;
  Efficiency efficiency;
  int decode_points = 0;    // tg records
  int prefill_points = 0;   // pp records
  int serving_points = 0;   // closed-loop serving records (-c)
  int tracked_points = 0;   // tg and serving records fitted against the read around their run
  int depth_points = 0;     // records at a depth (-d): they give attention its own efficiency
  double decode_rms_rel_error = 0;   // of the fitted model on the points it was fitted on
  double prefill_rms_rel_error = 0;
  double serving_rms_rel_error = 0;  // over their aggregate, TPOT and TTFT
  std::string results_file;
  std::string timestamp_utc;
};

std::string calibration_path(const std::string& fingerprint);
std::string calibration_source(const Calibration& c);  // the Efficiency::source of a calibration
// nullopt when there is none (or it is unreadable or of another version).
std::optional<Calibration> load_calibration(const std::string& fingerprint);
Status store_calibration(const Calibration& calibration);
nlohmann::json calibration_to_json(const Calibration& c);
Result<Calibration> calibration_from_json(const nlohmann::json& j);

}  // namespace memwall::fit
