#include "memwall/hw/probe_json.hpp"

namespace memwall::hw {

using nlohmann::json;

// nlohmann's ADL hooks: one pair per struct, so the record reads like the structs it comes from.
void to_json(json& j, const Core& c) {
  j = {{"index", c.index}, {"package", c.package}, {"pu_os_ids", c.pu_os_ids}};
}
void from_json(const json& j, Core& c) {
  j.at("index").get_to(c.index);
  j.at("package").get_to(c.package);
  j.at("pu_os_ids").get_to(c.pu_os_ids);
}
void to_json(json& j, const CacheLevel& c) {
  j = {{"level", c.level}, {"size_bytes", c.size_bytes}, {"instance_cores", c.instance_cores}};
}
void from_json(const json& j, CacheLevel& c) {
  j.at("level").get_to(c.level);
  j.at("size_bytes").get_to(c.size_bytes);
  j.at("instance_cores").get_to(c.instance_cores);
}
void to_json(json& j, const NumaNode& n) {
  j = {{"index", n.index}, {"local_memory_bytes", n.local_memory_bytes}};
}
void from_json(const json& j, NumaNode& n) {
  j.at("index").get_to(n.index);
  j.at("local_memory_bytes").get_to(n.local_memory_bytes);
}
void to_json(json& j, const Topology& t) {
  j = {{"packages", t.packages}, {"physical_cores", t.physical_cores()},
       {"hardware_threads", t.hardware_threads}, {"cores", t.cores},
       {"numa_nodes", t.numa_nodes}, {"caches", t.caches}};
}
void from_json(const json& j, Topology& t) {
  j.at("packages").get_to(t.packages);
  j.at("hardware_threads").get_to(t.hardware_threads);
  j.at("cores").get_to(t.cores);
  j.at("numa_nodes").get_to(t.numa_nodes);
  j.at("caches").get_to(t.caches);
}
void to_json(json& j, const CpuInfo& c) {
  j = {{"arch", c.arch}, {"vendor", c.vendor}, {"model", c.model}, {"isa", c.isa.names()}};
}
void from_json(const json& j, CpuInfo& c) {
  j.at("arch").get_to(c.arch);
  j.at("vendor").get_to(c.vendor);
  j.at("model").get_to(c.model);
  c.isa = {};
  for (const std::string& name : j.at("isa").get<std::vector<std::string>>()) {
    if (!c.isa.set(name, true)) throw json::other_error::create(501, "unknown ISA feature " + name, &j);
  }
}
void to_json(json& j, const MemoryInfo& m) {
  j = {{"total_bytes", m.total_bytes}, {"available_bytes", m.available_bytes},
       {"page_size_bytes", m.page_size_bytes},
       {"transparent_huge_pages", m.transparent_huge_pages}};
}
void from_json(const json& j, MemoryInfo& m) {
  j.at("total_bytes").get_to(m.total_bytes);
  j.at("available_bytes").get_to(m.available_bytes);
  j.at("page_size_bytes").get_to(m.page_size_bytes);
  j.at("transparent_huge_pages").get_to(m.transparent_huge_pages);
}
void to_json(json& j, const GpuInfo& g) {
  j = {{"name", g.name}, {"vendor", g.vendor}, {"memory_bytes", g.memory_bytes},
       {"source", g.source}};
}
void from_json(const json& j, GpuInfo& g) {
  j.at("name").get_to(g.name);
  j.at("vendor").get_to(g.vendor);
  j.at("memory_bytes").get_to(g.memory_bytes);
  j.at("source").get_to(g.source);
}
void to_json(json& j, const BandwidthPoint& p) {
  j = {{"kernel", p.kernel}, {"isa", p.isa}, {"threads", p.threads}, {"best_gbps", p.best_gbps},
       {"median_gbps", p.median_gbps}, {"samples_gbps", p.samples_gbps}};
}
void from_json(const json& j, BandwidthPoint& p) {
  j.at("kernel").get_to(p.kernel);
  j.at("isa").get_to(p.isa);
  j.at("threads").get_to(p.threads);
  j.at("best_gbps").get_to(p.best_gbps);
  j.at("median_gbps").get_to(p.median_gbps);
  j.at("samples_gbps").get_to(p.samples_gbps);
}
void to_json(json& j, const LatencyResult& l) {
  j = {{"array_bytes", l.array_bytes}, {"loads", l.loads}, {"ns_per_load", l.ns_per_load},
       {"huge_pages_requested", l.huge_pages_requested}, {"core_round_trip_ns", nullptr}};
  if (l.core_round_trip) {
    j["core_round_trip_ns"] = {{"nearest", l.core_round_trip->nearest_ns}, {"farthest", l.core_round_trip->farthest_ns}};
  }
}
void from_json(const json& j, LatencyResult& l) {
  j.at("array_bytes").get_to(l.array_bytes);
  j.at("loads").get_to(l.loads);
  j.at("ns_per_load").get_to(l.ns_per_load);
  j.at("huge_pages_requested").get_to(l.huge_pages_requested);
  // Records cached before the round trip was measured have none.
  if (const auto cores = j.find("core_round_trip_ns"); cores != j.end() && !cores->is_null()) {
    l.core_round_trip = CoreRoundTrip{cores->at("nearest").get<double>(), cores->at("farthest").get<double>()};
  }
}
void to_json(json& j, const PeakResult& p) {
  j = {{"kernel", p.kernel}, {"isa", p.isa}, {"threads", p.threads}, {"best_gops", p.best_gops},
       {"median_gops", p.median_gops}, {"samples_gops", p.samples_gops}};
}
void from_json(const json& j, PeakResult& p) {
  j.at("kernel").get_to(p.kernel);
  j.at("isa").get_to(p.isa);
  j.at("threads").get_to(p.threads);
  j.at("best_gops").get_to(p.best_gops);
  j.at("median_gops").get_to(p.median_gops);
  j.at("samples_gops").get_to(p.samples_gops);
}

json probe_to_json(const ProbeResult& r) {
  return {
      {"schema", "memwall.probe"},
      {"schema_version", ProbeResult::kSchemaVersion},
      {"memwall", {{"version", r.memwall_version}, {"git_commit", r.git_commit},
                   {"build_type", r.build_type}}},
      {"timestamp", r.timestamp_utc},
      {"fingerprint", r.fingerprint},
      {"quick", r.quick},
      {"duration_s", r.duration_s},
      {"cpu", r.cpu},
      {"topology", r.topology},
      {"memory", r.memory},
      {"gpus", r.gpus},
      {"bandwidth", {{"array_bytes", r.bandwidth.array_bytes},
                     {"huge_pages_requested", r.bandwidth.huge_pages_requested},
                     {"read_gbps", r.read_gbps()}, {"points", r.bandwidth.points}}},
      {"latency", r.latency},
      {"compute", {{"f32", r.f32}, {"int8", r.int8}}},
      {"warnings", r.warnings},
  };
}

Result<ProbeResult> probe_from_json(const json& j) {
  try {
    if (j.at("schema") != "memwall.probe") return make_error("not a memwall probe record");
    const int version = j.at("schema_version").get<int>();
    if (version != ProbeResult::kSchemaVersion) {
      return make_error("probe record version {} (this memwall reads {})", version,
                        ProbeResult::kSchemaVersion);
    }
    ProbeResult r;
    const json& memwall = j.at("memwall");
    memwall.at("version").get_to(r.memwall_version);
    memwall.at("git_commit").get_to(r.git_commit);
    memwall.at("build_type").get_to(r.build_type);
    j.at("timestamp").get_to(r.timestamp_utc);
    j.at("fingerprint").get_to(r.fingerprint);
    j.at("quick").get_to(r.quick);
    j.at("duration_s").get_to(r.duration_s);
    j.at("cpu").get_to(r.cpu);
    j.at("topology").get_to(r.topology);
    j.at("memory").get_to(r.memory);
    j.at("gpus").get_to(r.gpus);
    const json& bw = j.at("bandwidth");
    bw.at("array_bytes").get_to(r.bandwidth.array_bytes);
    bw.at("huge_pages_requested").get_to(r.bandwidth.huge_pages_requested);
    bw.at("points").get_to(r.bandwidth.points);
    j.at("latency").get_to(r.latency);
    j.at("compute").at("f32").get_to(r.f32);
    j.at("compute").at("int8").get_to(r.int8);
    j.at("warnings").get_to(r.warnings);
    return r;
  } catch (const json::exception& e) {
    return make_error("probe record: {}", e.what());
  }
}

}  // namespace memwall::hw
