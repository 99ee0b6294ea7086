#include "memwall/bench/sweep.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "memwall/bench/ranges.hpp"
#include "memwall/profiles/embedded.hpp"

namespace memwall::bench {

std::string_view test_name(TestKind kind) {
  switch (kind) {
    case TestKind::pp: return "pp";
    case TestKind::tg: return "tg";
    case TestKind::serve: return "serve";
  }
  return "?";
}

std::string Point::label() const {
  const std::string depth_part = depth > 0 ? fmt::format(" @ d{}", depth) : "";
  switch (test) {
    case TestKind::pp: return fmt::format("pp{}{}", prompt, depth_part);
    case TestKind::tg: return fmt::format("tg{}{}", gen, depth_part);
    case TestKind::serve:
      if (rate > 0) return fmt::format("r{:g}/s p{} n{}{}", rate, prompt, gen, depth_part);
      return fmt::format("c{} p{} n{}{}", concurrency, prompt, gen, depth_part);
  }
  return "?";
}

namespace {

// Every combination of the dimensions all tests share, the model outermost, then the scheme.
std::vector<Point> shared_combinations(const SweepSpec& spec) {
  const std::vector<std::string> quants = spec.quants.empty() ? std::vector<std::string>{""} : spec.quants;
  std::vector<Point> bases;
  for (const std::string& model : spec.models) {
    for (const std::string& scheme : quants) {
      for (std::int64_t threads : spec.threads) {
        for (const std::string& kv : spec.kv_types) {
          for (std::int64_t budget : spec.prefill_budgets) {
            for (std::int64_t depth : spec.depths) {
              Point base;
              base.model = model;
              base.scheme = scheme;
              base.threads = threads;
              base.kv_type = kv;
              base.prefill_budget = budget;
              base.depth = depth;
              base.repetitions = spec.repetitions;
              base.warmup = spec.warmup;
              base.min_time_s = spec.min_time_s;
              base.seed = spec.seed;
              bases.push_back(base);
            }
          }
        }
      }
    }
  }
  return bases;
}

// pp for each prompt, then tg for each gen.
void add_engine_points(const SweepSpec& spec, const Point& base, std::vector<Point>& points) {
  for (std::int64_t p : spec.prompts) {
    if (p <= 0) continue;
    Point pt = base;
    pt.test = TestKind::pp;
    pt.prompt = p;
    points.push_back(pt);
  }
  for (std::int64_t n : spec.gens) {
    if (n <= 0) continue;
    Point pt = base;
    pt.test = TestKind::tg;
    pt.gen = n;
    points.push_back(pt);
  }
}

// For each prompt and gen: each closed-loop user count, then each arrival rate.
void add_serving_points(const SweepSpec& spec, const Point& base, std::vector<Point>& points) {
  for (std::int64_t p : spec.prompts) {
    for (std::int64_t n : spec.gens) {
      Point pt = base;
      pt.test = TestKind::serve;
      pt.prompt = std::max<std::int64_t>(p, 1);
      pt.gen = std::max<std::int64_t>(n, 1);
      for (std::int64_t c : spec.concurrency) {
        Point q = pt;
        q.concurrency = c;
        q.requests = spec.requests > 0 ? spec.requests : 4 * c;
        q.warmup = std::min(spec.warmup, c);
        points.push_back(q);
      }
      for (double r : spec.rates) {
        Point q = pt;
        q.rate = r;
        q.max_concurrency = spec.rate_max_concurrency;
        q.requests = spec.requests > 0 ? spec.requests : 16;
        points.push_back(q);
      }
    }
  }
}

}  // namespace

Result<std::vector<Point>> expand(const SweepSpec& spec) {
  if (spec.models.empty()) return make_error("no model to run (give -m FILE|preset:NAME or --profile)");
  const bool serving = !spec.concurrency.empty() || !spec.rates.empty();
  std::vector<Point> points;
  for (const Point& base : shared_combinations(spec)) {
    if (serving) {
      add_serving_points(spec, base, points);
    } else {
      add_engine_points(spec, base, points);
    }
  }
  if (points.empty()) return make_error("the sweep has no points (every -p and -n is 0)");
  return points;
}

namespace {

// A profile value: a JSON number, array of numbers, or a string in the flags' list syntax.
std::string as_list_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string text;
    for (const auto& item : v) text += (text.empty() ? "" : ",") + as_list_text(item);
    return text;
  }
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number()) return fmt::format("{}", v.get<double>());
  return "?";
}

Status apply_profile(const nlohmann::json& j, const std::string& where, SweepSpec& spec) {
  if (!j.is_object()) return make_error("{}: a sweep profile is a JSON object", where);
  for (const auto& [key, value] : j.items()) {
    const std::string text = as_list_text(value);
    const std::string flag = where + ": " + key;
    const auto ints = [&](std::vector<std::int64_t>& out, std::int64_t min) -> Status {
      auto v = parse_int_list(text, flag, min);
      if (!v) return v.error();
      out = *v;
      return {};
    };
    const auto one_int = [&](std::int64_t& out, std::int64_t min) -> Status {
      std::vector<std::int64_t> v;
      if (Status s = ints(v, min); !s.ok()) return s;
      if (v.size() != 1) return make_error("{}: one value expected", flag);
      out = v[0];
      return {};
    };
    const auto names = [&](std::vector<std::string>& out) -> Status {
      auto v = parse_name_list(text, flag);
      if (!v) return v.error();
      out = *v;
      return {};
    };
    Status s;
    if (key == "description") continue;
    if (key == "model") {
      s = names(spec.models);
    } else if (key == "quant") {
      s = names(spec.quants);
    } else if (key == "kv-type") {
      s = names(spec.kv_types);
    } else if (key == "rate") {
      auto v = parse_number_list(text, flag);
      if (!v) return v.error();
      spec.rates = *v;
    } else if (key == "threads") {
      s = ints(spec.threads, 0);
    } else if (key == "concurrency") {
      s = ints(spec.concurrency, 1);
    } else if (key == "prompt") {
      s = ints(spec.prompts, 0);
    } else if (key == "gen") {
      s = ints(spec.gens, 0);
    } else if (key == "depth") {
      s = ints(spec.depths, 0);
    } else if (key == "prefill-budget") {
      s = ints(spec.prefill_budgets, 1);
    } else if (key == "repetitions") {
      s = one_int(spec.repetitions, 1);
    } else if (key == "warmup") {
      s = one_int(spec.warmup, 0);
    } else if (key == "requests") {
      s = one_int(spec.requests, 1);
    } else if (key == "min-time") {
      if (!value.is_number()) return make_error("{}: a number of seconds expected", flag);
      spec.min_time_s = value.get<double>();
    } else {
      return make_error("{}: unknown key '{}'", where, key);
    }
    if (!s.ok()) return s;
  }
  return {};
}

}  // namespace

std::vector<std::string> sweep_profile_names() {
  std::vector<std::string> names;
  for (const profiles::EmbeddedFile& f : profiles::embedded_files()) {
    const std::string_view p = f.path;
    if (p.starts_with("sweeps/") && p.ends_with(".json")) names.emplace_back(p.substr(7, p.size() - 12));
  }
  return names;
}

Result<SweepSpec> load_sweep_profile(const std::string& name_or_path) {
  std::string text, where = name_or_path;
  bool found = false;
  for (const profiles::EmbeddedFile& f : profiles::embedded_files()) {
    if (f.path == "sweeps/" + name_or_path + ".json") {
      text = f.content;
      found = true;
    }
  }
  if (!found) {
    std::ifstream in(name_or_path);
    if (!in) {
      std::string known;
      for (const auto& n : sweep_profile_names()) known += (known.empty() ? "" : ", ") + n;
      return make_error("no sweep profile '{}' (built in: {}; or give a path to a JSON file)", name_or_path, known);
    }
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return make_error("{}: not valid JSON", where);
  SweepSpec spec;
  if (Status s = apply_profile(j, where, spec); !s.ok()) return s.error();
  return spec;
}

}  // namespace memwall::bench
