// memwall model synth | info | quantize: making, inspecting and requantizing GGUF files.
#include <iostream>
#include <memory>
#include <thread>

#include "commands.hpp"
#include "memwall/engine/evaluate.hpp"
#include "memwall/gguf/reader.hpp"
#include "memwall/model/presets.hpp"
#include "memwall/model/requantize.hpp"
#include "memwall/model/summary.hpp"
#include "memwall/model/synth.hpp"
#include "memwall/util/clock.hpp"
#include "memwall/util/files.hpp"
#include "memwall/util/progress.hpp"
#include "memwall/util/units.hpp"
#include "model_printer.hpp"

namespace memwall::cli {
namespace {

struct SynthCliOptions {
  std::string preset;
  std::string scheme;
  std::string output;
  std::uint64_t seed = 1;
  std::uint32_t vocab = 0;  // 0 = the preset's
  unsigned threads = 0;
};

struct InfoCliOptions {
  std::string path;
  bool json = false;
};

struct EvalCliOptions {
  std::string path;
  std::vector<std::int32_t> tokens;
  std::size_t top_k = 10;
  std::string logits_path;
  unsigned threads = 0;
  std::string kv_type = "f16";
  std::int64_t chunk = 512;
};

struct QuantizeCliOptions {
  std::string input;
  std::string output;
  std::string scheme;
  unsigned threads = 0;
};

Result<model::Scheme> parse_scheme(const std::string& name) {
  if (const auto scheme = model::scheme_from_name(name)) return *scheme;
  std::string names;
  for (const model::SchemeInfo& s : model::all_schemes()) names += (names.empty() ? "" : ", ") + std::string(s.name);
  return make_error("unknown scheme '{}' (schemes: {})", name, names);
}

gguf::GgufWriter::Progress progress_to(ProgressBar& bar) {
  return [&bar](std::uint64_t done, std::uint64_t total) {
    bar.set_total(total);
    bar.update(done);
  };
}

int run_synth(const SynthCliOptions& o) {
  Result<model::Preset> preset = model::find_preset(o.preset);
  if (!preset.ok()) return fail(kExitRuntimeError, preset.error().message);
  Result<model::Scheme> scheme = parse_scheme(o.scheme);
  if (!scheme.ok()) return fail(kExitRuntimeError, scheme.error().message);
  model::ModelSpec spec = preset->spec;
  if (o.vocab) spec.n_vocab = o.vocab;
  const std::int64_t start = steady_now_ns();
  ProgressBar bar("synth " + spec.name, 0);
  const model::SynthOptions options{o.seed, o.threads};
  Status s = model::synthesize(spec, *scheme, options, o.output, progress_to(bar));
  if (!s.ok()) return fail(kExitRuntimeError, s.error().message);
  bar.finish();
  const double seconds = static_cast<double>(steady_now_ns() - start) * 1e-9;
  const auto bytes = std::filesystem::file_size(o.output);
  std::cout << fmt::format("wrote {}: {} at {}, {} in {:.1f} s ({}/s)\n", o.output, spec.name,
                           model::scheme_info(*scheme).name, format_bytes(bytes), seconds,
                           format_bytes(static_cast<std::uint64_t>(static_cast<double>(bytes) / seconds)));
  return kExitOk;
}

int run_info(const InfoCliOptions& o) {
  Result<gguf::GgufFile> file = gguf::GgufFile::open(o.path);
  if (!file.ok()) return fail(kExitRuntimeError, file.error().message);
  Result<model::ModelSummary> summary = model::summarize_model(*file);
  if (!summary.ok()) return fail(kExitRuntimeError, summary.error().message);
  if (o.json) {
    std::cout << model::summary_to_json(*summary).dump(2) << '\n';
  } else {
    std::cout << format_model_summary(*summary);
  }
  return kExitOk;
}

int run_quantize(const QuantizeCliOptions& o) {
  Result<model::Scheme> scheme = parse_scheme(o.scheme);
  if (!scheme.ok()) return fail(kExitRuntimeError, scheme.error().message);
  Result<gguf::GgufFile> file = gguf::GgufFile::open(o.input);
  if (!file.ok()) return fail(kExitRuntimeError, file.error().message);
  ProgressBar bar("quantize", 0);
  const std::int64_t start = steady_now_ns();
  Result<model::QuantizeReport> report =
      model::quantize_model(*file, o.output, *scheme, o.threads, progress_to(bar));
  if (!report.ok()) return fail(kExitRuntimeError, report.error().message);
  bar.finish();
  if (report->input_quantized) {
    std::cerr << "memwall: warning: " << o.input
              << " is already quantized: its weights were dequantized and quantized again, which "
                 "loses more quality than quantizing the original F16/BF16/F32 weights\n";
  }
  std::cout << fmt::format("wrote {}: {}, {} in {:.1f} s\n", o.output, model::scheme_info(*scheme).name,
                           format_bytes(std::filesystem::file_size(o.output)),
                           static_cast<double>(steady_now_ns() - start) * 1e-9);
  return kExitOk;
}

int run_eval(const EvalCliOptions& o) {
  Result<std::shared_ptr<const engine::Model>> model = engine::load_gguf(o.path, {});
  if (!model.ok()) return fail(kExitRuntimeError, model.error().message);
  engine::EvalOptions options;
  options.threads = o.threads;
  options.kv_type = *engine::kv_type_from_name(o.kv_type);
  options.chunk = o.chunk;
  Result<std::vector<float>> logits = engine::next_token_logits(*model, o.tokens, options);
  if (!logits.ok()) return fail(kExitRuntimeError, logits.error().message);
  if (!o.logits_path.empty()) {
    const std::string_view bytes(reinterpret_cast<const char*>(logits->data()), logits->size() * sizeof(float));
    if (Status s = write_file_atomic(o.logits_path, bytes); !s.ok()) return fail(kExitRuntimeError, s.error().message);
  }
  std::cout << format_top_tokens(*logits, o.top_k);
  return kExitOk;
}

Command setup_eval(CLI::App& model_app) {
  auto o = std::make_shared<EvalCliOptions>();
  CLI::App* app = model_app.add_subcommand(
      "eval", "Run tokens through a model on the built-in engine; print the top next-token logits");
  app->add_option("file", o->path, "GGUF file")->required();
  app->add_option("--tokens", o->tokens, "Token ids, comma separated")->required()->delimiter(',');
  app->add_option("--top-k", o->top_k, "How many of the highest logits to print")->check(CLI::PositiveNumber);
  app->add_option("--logits", o->logits_path, "Write all next-token logits to FILE as float32")->type_name("FILE");
  app->add_option("--threads", o->threads, "Threads (default: one per physical core)");
  app->add_option("--kv-type", o->kv_type, "KV cache type: f16, q8_0 or f32")->check(CLI::IsMember({"f16", "q8_0", "f32"}));
  app->add_option("--chunk", o->chunk, "Prompt tokens per forward pass")->check(CLI::PositiveNumber);
  return {app, [o] { return run_eval(*o); }};
}

Command setup_synth(CLI::App& model_app) {
  auto o = std::make_shared<SynthCliOptions>();
  CLI::App* app = model_app.add_subcommand(
      "synth", "Write a GGUF with random weights for an architecture preset, at any scheme");
  app->add_option("--preset", o->preset, "Preset name, e.g. llama-3.1-8b (see 'memwall model presets')")->required();
  app->add_option("--type", o->scheme, "Scheme: F32, F16, BF16, Q8_0, Q6_K, Q5_K_M, Q4_K_M, Q4_0, ...")->required();
  app->add_option("-o,--output", o->output, "Output GGUF file")->required();
  app->add_option("--seed", o->seed, "Random seed (same seed, same file)");
  app->add_option("--vocab", o->vocab, "Vocabulary size instead of the preset's")->check(CLI::Range(260u, 4'000'000u));
  app->add_option("--threads", o->threads, "Threads (default: all)");
  return {app, [o] { return run_synth(*o); }};
}

Command setup_info(CLI::App& model_app) {
  auto o = std::make_shared<InfoCliOptions>();
  CLI::App* app = model_app.add_subcommand(
      "info", "Architecture, shapes, parameters, tensor types and sizes, KV bytes per token");
  app->add_option("file", o->path, "GGUF file")->required();
  app->add_flag("--json", o->json, "Print the JSON record (schemas/model-info.schema.json)");
  return {app, [o] { return run_info(*o); }};
}

Command setup_quantize(CLI::App& model_app) {
  auto o = std::make_shared<QuantizeCliOptions>();
  CLI::App* app = model_app.add_subcommand("quantize", "Rewrite a GGUF at another scheme");
  app->add_option("input", o->input, "Input GGUF (F32, F16 or BF16 weights)")->required();
  app->add_option("output", o->output, "Output GGUF")->required();
  app->add_option("--type", o->scheme, "Scheme: Q8_0, Q6_K, Q5_K_M, Q4_K_M, Q4_0, ...")->required();
  app->add_option("--threads", o->threads, "Threads (default: all)");
  return {app, [o] { return run_quantize(*o); }};
}

Command setup_presets(CLI::App& model_app) {
  CLI::App* app = model_app.add_subcommand("presets", "List the architecture presets");
  return {app, [] {
    Result<std::vector<model::Preset>> presets = model::load_presets();
    if (!presets.ok()) return fail(kExitRuntimeError, presets.error().message);
    std::cout << format_presets(*presets);
    return static_cast<int>(kExitOk);
  }};
}

}  // namespace

std::vector<Command> setup_model(CLI::App& parent) {
  CLI::App* model_app = parent.add_subcommand("model", "Make, inspect and requantize GGUF models");
  model_app->require_subcommand(1);
  return {setup_synth(*model_app), setup_info(*model_app), setup_quantize(*model_app),
          setup_eval(*model_app), setup_presets(*model_app)};
}

}  // namespace memwall::cli
