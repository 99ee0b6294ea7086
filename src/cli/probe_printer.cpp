#include "probe_printer.hpp"

#include <fmt/format.h>

#include "memwall/util/text_table.hpp"
#include "memwall/util/units.hpp"

namespace memwall::cli {
namespace {

using hw::ProbeResult;

// "0-3" for consecutive indices, "0,2,5" otherwise.
std::string index_list(const std::vector<unsigned>& ids) {
  if (ids.empty()) return "none";
  bool consecutive = true;
  for (std::size_t i = 1; i < ids.size(); ++i) consecutive &= ids[i] == ids[i - 1] + 1;
  if (consecutive && ids.size() > 2) return fmt::format("{}-{}", ids.front(), ids.back());
  return fmt::format("{}", fmt::join(ids, ","));
}

std::string caches_line(const hw::Topology& t) {
  std::vector<std::string> parts;
  for (const hw::CacheLevel& c : t.caches) {
    const std::size_t instances = c.instance_cores.size();
    const std::size_t sharing = instances ? c.instance_cores.front().size() : 0;
    std::string who = sharing <= 1 ? "per core"
                                   : fmt::format("shared by cores {}", index_list(c.instance_cores.front()));
    if (instances > 1 && sharing > 1) who = fmt::format("each shared by {} cores", sharing);
    parts.push_back(fmt::format("L{} {} x{} ({})", c.level,
                                c.size_bytes ? format_bytes(c.size_bytes) : "unknown", instances, who));
  }
  return parts.empty() ? "unknown" : fmt::format("{}", fmt::join(parts, ", "));
}

std::string gpus_line(const ProbeResult& r) {
  if (r.gpus.empty()) return "none seen";
  std::vector<std::string> parts;
  for (const hw::GpuInfo& g : r.gpus) {
    parts.push_back(fmt::format("{} ({}{})", g.name, g.vendor,
                                g.memory_bytes ? ", " + format_bytes(g.memory_bytes) : ""));
  }
  return fmt::format("{} (not measured)", fmt::join(parts, "; "));
}

std::string machine_section(const ProbeResult& r) {
  const hw::Topology& t = r.topology;
  std::string out;
  out += fmt::format("CPU        {} ({}, {})\n", r.cpu.model, r.cpu.vendor, r.cpu.arch);
  out += fmt::format("ISA        {}\n", fmt::join(r.cpu.isa.names(), " "));
  out += fmt::format("Topology   {} package(s), {} NUMA node(s), {} physical cores, {} hardware threads\n",
                     t.packages, t.numa_nodes.size(), t.physical_cores(), t.hardware_threads);
  out += fmt::format("Caches     {}\n", caches_line(t));
  out += fmt::format("Memory     {} total, {} available, {} pages, transparent huge pages: {}\n",
                     format_bytes(r.memory.total_bytes), format_bytes(r.memory.available_bytes),
                     format_bytes(r.memory.page_size_bytes), r.memory.transparent_huge_pages);
  out += fmt::format("GPUs       {}\n", gpus_line(r));
  return out;
}

std::string bandwidth_section(const ProbeResult& r) {
  const hw::BandwidthResult& bw = r.bandwidth;
  std::string out = fmt::format(
      "\nBandwidth, all {} cores (GB/s; 3 arrays of {} each{})\n", r.all_cores(),
      format_bytes(bw.array_bytes), bw.huge_pages_requested ? ", huge pages requested" : "");
  TextTable table({"kernel", "best", "median", "reps", "isa"});
  for (const hw::StreamKernelInfo& k : hw::kStreamKernels) {
    if (const hw::BandwidthPoint* p = bw.find(k.name, r.all_cores())) {
      table.add_row({p->kernel, fmt::format("{:.1f}", p->best_gbps),
                     fmt::format("{:.1f}", p->median_gbps), std::to_string(p->samples_gbps.size()),
                     p->isa});
    }
  }
  out += table.render(2);

  std::vector<unsigned> thread_counts;
  for (const hw::BandwidthPoint& p : bw.points) {
    if (p.kernel == "read") thread_counts.push_back(p.threads);
  }
  if (thread_counts.size() < 2) return out;
  out += "\nThread scaling (best GB/s)\n";
  std::vector<std::string> header{"threads"};
  for (const hw::StreamKernelInfo& k : hw::kStreamKernels) header.emplace_back(k.name);
  TextTable scaling(header);
  for (unsigned threads : thread_counts) {
    std::vector<std::string> row{std::to_string(threads)};
    for (const hw::StreamKernelInfo& k : hw::kStreamKernels) {
      const hw::BandwidthPoint* p = bw.find(k.name, threads);
      row.push_back(p ? fmt::format("{:.1f}", p->best_gbps) : "-");
    }
    scaling.add_row(row);
  }
  return out + scaling.render(2);
}

std::string compute_section(const ProbeResult& r) {
  std::string out = "\n";
  out += fmt::format("Latency    {:.1f} ns per dependent load (random walk over {})\n",
                     r.latency.ns_per_load, format_bytes(r.latency.array_bytes));
  if (const std::optional<hw::CoreRoundTrip>& c = r.latency.core_round_trip) {
    out += c->farthest_ns > c->nearest_ns * 1.5
               ? fmt::format("Cores      a cache line from core 0 to another and back: {:.0f} ns (nearest), {:.0f} ns "
                             "(farthest)\n", c->nearest_ns, c->farthest_ns)
               : fmt::format("Cores      a cache line from core 0 to another and back: {:.0f} ns\n", c->farthest_ns);
  }
  out += fmt::format("Compute    f32 FMA {:.1f} GFLOPS ({}), int8 dot {:.1f} GOPS ({}), {} cores\n",
                     r.f32.best_gops, r.f32.isa, r.int8.best_gops, r.int8.isa, r.f32.threads);
  const double read = r.read_gbps();
  out += fmt::format("Roofline   read {:.1f} GB/s: a model whose active weights take 1 GB decodes "
                     "at most {:.1f} tokens/s here\n", read, read);
  return out;
}

}  // namespace

std::string format_probe(const ProbeResult& r) {
  std::string out = fmt::format("memwall probe ({}, {:.1f} s), hardware fingerprint {}\n\n",
                                r.quick ? "quick" : "full", r.duration_s, r.fingerprint);
  out += machine_section(r) + bandwidth_section(r) + compute_section(r);
  if (!r.warnings.empty()) {
    out += "\nWarnings\n";
    for (const std::string& w : r.warnings) out += "  - " + w + "\n";
  }
  return out;
}

}  // namespace memwall::cli
