#include "memwall/quant/convert.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "memwall/quant/reference.hpp"

namespace memwall::quant {
namespace {

// Rows are converted and reported in chunks of at least this many weights, so that tiny rows
// do not take the progress lock once per row.
constexpr std::int64_t kWeightsPerReport = 1 << 16;

struct RowCodec {
  const TypeInfo* info;
  const ReferenceFns* fns;
  std::size_t row_bytes;
};

Result<RowCodec> codec_for(TensorType type, const char* side, std::int64_t n_per_row) {
  const TypeInfo* info = find_type_info(static_cast<std::uint32_t>(type));
  if (info == nullptr) {
    return make_error("convert: {} type id {} is not a GGUF tensor type", side,
                      static_cast<std::uint32_t>(type));
  }
  const ReferenceFns* fns = info->supported ? reference_fns(type) : nullptr;
  if (fns == nullptr) return make_error("convert: {} type {} is not supported", side, info->name);
  if (n_per_row % info->block_size != 0) {
    return make_error("convert: {} weights per row is not a multiple of the {} block size ({})",
                      n_per_row, info->name, info->block_size);
  }
  const auto blocks = static_cast<std::uint64_t>(n_per_row / info->block_size);
  if (blocks > std::numeric_limits<std::size_t>::max() / info->bytes_per_block) {
    return make_error("convert: rows of {} weights overflow the address space", n_per_row);
  }
  return RowCodec{info, fns, static_cast<std::size_t>(blocks * info->bytes_per_block)};
}

// An error naming the span when it cannot hold `n_rows` rows.
Status check_span(const RowCodec& codec, std::size_t span_bytes, std::int64_t n_rows,
                  const char* side) {
  const auto rows = static_cast<std::size_t>(n_rows);
  if (codec.row_bytes != 0 && rows > std::numeric_limits<std::size_t>::max() / codec.row_bytes) {
    return make_error("convert: {} rows of {} bytes overflow the address space", n_rows,
                      codec.row_bytes);
  }
  if (span_bytes < rows * codec.row_bytes) {
    return make_error("convert: {} holds {} bytes, but {} rows of {} need {}", side, span_bytes,
                      n_rows, codec.info->name, rows * codec.row_bytes);
  }
  return {};
}

bool overlap(std::span<const std::byte> a, std::span<std::byte> b) {
  if (a.empty() || b.empty()) return false;
  const auto a0 = reinterpret_cast<std::uintptr_t>(a.data());
  const auto b0 = reinterpret_cast<std::uintptr_t>(b.data());
  return a0 < b0 + b.size() && b0 < a0 + a.size();
}

// Serializes the progress callback: it sees the running total of rows done.
class ProgressSink {
 public:
  explicit ProgressSink(const std::function<void(std::int64_t)>& callback) : callback_(callback) {}
  void add(std::int64_t rows) {
    if (!callback_) return;
    const std::lock_guard<std::mutex> lock(mutex_);
    rows_done_ += rows;
    callback_(rows_done_);
  }

 private:
  const std::function<void(std::int64_t)>& callback_;
  std::mutex mutex_;
  std::int64_t rows_done_ = 0;
};

struct Job {
  RowCodec from, to;
  const std::byte* src;
  std::byte* dst;
  std::int64_t n_per_row;
  std::int64_t rows_per_report;
  ProgressSink* progress;
};

// Converts rows [first, last) through one f32 row of scratch, allocated once.
void convert_range(const Job& job, std::int64_t first, std::int64_t last) {
  std::vector<float> row(static_cast<std::size_t>(job.n_per_row));  // (n_per_row)
  for (std::int64_t chunk = first; chunk < last; chunk += job.rows_per_report) {
    const std::int64_t chunk_end = std::min(last, chunk + job.rows_per_report);
    for (std::int64_t r = chunk; r < chunk_end; ++r) {
      const auto i = static_cast<std::size_t>(r);
      job.from.fns->dequantize_row(job.src + i * job.from.row_bytes, row.data(), job.n_per_row);
      job.to.fns->quantize_row(row.data(), job.dst + i * job.to.row_bytes, job.n_per_row);
    }
    job.progress->add(chunk_end - chunk);
  }
}

// Contiguous slices of the rows, one per thread; the caller's thread takes the first slice, and
// any slice whose thread cannot be started. The progress callback must not throw: it may run
// on a worker thread.
void run_split(const Job& job, std::int64_t n_rows, unsigned n_threads) {
  auto slice_start = [&](unsigned t) { return n_rows * t / n_threads; };
  std::vector<std::thread> workers;
  unsigned t = 1;
  for (; t < n_threads; ++t) {
    try {
      workers.emplace_back(convert_range, std::cref(job), slice_start(t), slice_start(t + 1));
    } catch (const std::system_error&) {
      break;  // out of threads: the caller converts what is left
    }
  }
  convert_range(job, slice_start(0), slice_start(1));
  convert_range(job, slice_start(t), n_rows);
  for (std::thread& worker : workers) worker.join();
}

}  // namespace

Status convert_rows(TensorType from, std::span<const std::byte> src, TensorType to,
                    std::span<std::byte> dst, std::int64_t n_rows, std::int64_t n_per_row,
                    unsigned n_threads,
                    const std::function<void(std::int64_t rows_done)>& progress) {
  if (n_rows < 0 || n_per_row <= 0) {
    return make_error("convert: bad shape: {} rows of {} weights", n_rows, n_per_row);
  }
  Result<RowCodec> from_codec = codec_for(from, "source", n_per_row);
  if (!from_codec) return from_codec.error();
  Result<RowCodec> to_codec = codec_for(to, "destination", n_per_row);
  if (!to_codec) return to_codec.error();
  if (Status s = check_span(*from_codec, src.size(), n_rows, "source"); !s) return s;
  if (Status s = check_span(*to_codec, dst.size(), n_rows, "destination"); !s) return s;
  if (overlap(src, dst)) return make_error("convert: source and destination overlap");
  if (n_rows == 0) return {};

  if (n_threads == 0) n_threads = std::max(1u, std::thread::hardware_concurrency());
  n_threads = static_cast<unsigned>(std::min<std::int64_t>(n_threads, n_rows));
  ProgressSink sink(progress);
  const std::int64_t rows_per_report = std::max<std::int64_t>(1, kWeightsPerReport / n_per_row);
  const Job job{*from_codec, *to_codec, src.data(), dst.data(), n_per_row, rows_per_report, &sink};
  run_split(job, n_rows, n_threads);
  return {};
}

}  // namespace memwall::quant
