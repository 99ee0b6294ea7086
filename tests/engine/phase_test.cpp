// The matmul work split: every row of every job computed, whichever member takes which step,
// call after call on the same ranges; and the ranges hand out every group once.
#include "phase.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "memwall/quant/packed.hpp"

namespace memwall::engine::detail {
namespace {

struct Matrix {
  std::vector<std::byte> packed;
  quant::PackedMatrix view;
};

Matrix f32_matrix(std::int64_t rows, std::int64_t cols, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> w(static_cast<std::size_t>(rows * cols));
  for (float& v : w) v = u(rng);
  Matrix m;
  // Room to align the packed bytes to kPackAlign.
  m.packed.resize(quant::packed_bytes(quant::TensorType::F32, rows, cols) + quant::kPackAlign);
  auto* at = reinterpret_cast<std::byte*>((reinterpret_cast<std::uintptr_t>(m.packed.data()) + 63) / 64 * 64);
  const std::span<const std::byte> src(reinterpret_cast<const std::byte*>(w.data()), w.size() * sizeof(float));
  m.view = quant::pack_matrix(quant::TensorType::F32, src, rows, cols,
                              std::span(at, quant::packed_bytes(quant::TensorType::F32, rows, cols))).value();
  return m;
}

TEST(PhaseMatmuls, EveryRowOfEveryJobIsComputedWhicheverMemberTakesIt) {
  constexpr std::int64_t kCols = 64;
  std::mt19937 rng(3);
  // A job of many groups (several shrinking chunks), one of a single group, one not a whole group.
  std::vector<Matrix> matrices;
  for (std::int64_t rows : {16 * 700, 16, 16 * 3 + 5}) matrices.push_back(f32_matrix(rows, kCols, rng));
  std::vector<float> x(kCols);
  for (float& v : x) v = std::uniform_real_distribution<float>(-1, 1)(rng);
  const quant::Kernels& kernels = quant::kernels_for(quant::KernelIsa::generic);
  const quant::ActivationView view = quant::quantize_activations(kernels, quant::ActivationKind::f32, x.data(), 1, kCols, nullptr);

  constexpr unsigned kMembers = 2;
  const auto team = hw::ThreadTeam::create({{}, {}}).value();
  hw::SpinBarrier barrier(kMembers);
  const WorkRanges work(kMembers);
  std::vector<Phase> phases;
  for (unsigned m = 0; m < kMembers; ++m) phases.push_back(Phase{kernels, m, kMembers, barrier, work});
  for (int call = 0; call < 4; ++call) {
    std::vector<std::vector<float>> y, expected;
    std::vector<MatmulJob> jobs;
    for (const Matrix& m : matrices) {
      const auto rows = static_cast<std::size_t>(m.view.padded_rows());
      y.emplace_back(rows, -12345.0f);
      expected.emplace_back(rows);
      kernels.matmul(m.view.type)(m.view, view, expected.back().data(), m.view.padded_rows(), 0, m.view.padded_rows());
      jobs.push_back({&m.view, view, y.back().data(), m.view.padded_rows()});
    }
    team->run([&](unsigned member) {
      // From the third call on, one member starts late: the other takes steps from its share.
      if (call >= 2 && member == static_cast<unsigned>(call % 2)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      phases[member].matmuls(jobs);
      phases[member].sync();
    });
    for (std::size_t j = 0; j < jobs.size(); ++j) EXPECT_EQ(y[j], expected[j]) << "call " << call << ", job " << j;
  }
}

TEST(WorkRanges, OwnerAndThiefTakeEveryGroupOnce) {
  constexpr std::int64_t kGroups = 100003;
  for (std::int64_t step : {1, 4, 64}) {
    const WorkRanges work(2);
    work.set(0, {0, kGroups / 2});
    work.set(1, {kGroups / 2, kGroups});
    std::vector<int> taken(kGroups, 0);
    std::vector<int> owner_taken(kGroups, 0);
    std::thread owner([&] {
      for (Range r; (r = work.take_front(1, step)).begin < r.end;) {
        for (std::int64_t g = r.begin; g < r.end; ++g) ++owner_taken[static_cast<std::size_t>(g)];
      }
    });
    for (Range r; (r = work.take_front(0, step)).begin < r.end;) {
      for (std::int64_t g = r.begin; g < r.end; ++g) ++taken[static_cast<std::size_t>(g)];
    }
    std::int64_t stolen = 0;
    for (Range r; (r = work.take_back(1)).begin < r.end;) {
      stolen += r.end - r.begin;
      for (std::int64_t g = r.begin; g < r.end; ++g) ++taken[static_cast<std::size_t>(g)];
    }
    owner.join();
    for (std::int64_t g = 0; g < kGroups; ++g) {
      ASSERT_EQ(taken[static_cast<std::size_t>(g)] + owner_taken[static_cast<std::size_t>(g)], 1) << "group " << g << ", step " << step;
    }
    EXPECT_EQ(work.take_front(0, step).end, 0);  // empty once taken
    EXPECT_LE(stolen, kGroups - kGroups / 2);
  }
}

}  // namespace
}  // namespace memwall::engine::detail
