#pragma once
#include <string_view>

namespace memwall {

// What binary produced a result: every saved record carries it.
struct BuildInfo {
  std::string_view version;
  std::string_view git_commit;  // short hash, "unknown" outside a git checkout
  bool git_dirty;               // the tree had uncommitted changes when built
  std::string_view build_type;  // CMAKE_BUILD_TYPE
  std::string_view compiler;    // id and version
  bool sanitizers;              // built with ASan/UBSan

  // Release and RelWithDebInfo without sanitizers are fit for measuring speed.
  bool optimized() const {
    return !sanitizers && (build_type == "Release" || build_type == "RelWithDebInfo");
  }
};

const BuildInfo& build_info();

}  // namespace memwall
