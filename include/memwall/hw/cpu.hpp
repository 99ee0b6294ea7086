#pragma once
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace memwall::hw {

// Instruction-set features usable by this process, detected at run time (cpuid + xgetbv on x86,
// getauxval or sysctl on ARM), never inferred from the flags memwall was compiled with.
struct IsaFeatures {
  // x86
  bool sse42 = false, avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512vnni = false, avx512bf16 = false;
  bool avx_vnni = false;
  bool amx = false;  // AMX-TILE with AMX-INT8
  // ARM
  bool neon = false, dotprod = false, i8mm = false, sve = false, sme = false;

  // The wide-vector levels kernels dispatch on.
  bool has_avx2_fma() const { return avx2 && fma && f16c; }
  bool has_avx512() const { return avx512f && avx512bw && avx512vl; }

  // Names of the features present, in the fixed order of kIsaFeatureNames.
  std::vector<std::string> names() const;
  // Sets the feature called `name`; false if no feature has that name.
  bool set(std::string_view name, bool present);
};

struct IsaFeatureName {
  std::string_view name;
  bool IsaFeatures::*member;
};

inline constexpr std::array<IsaFeatureName, 17> kIsaFeatureNames{{
    {"sse4.2", &IsaFeatures::sse42},         {"avx", &IsaFeatures::avx},
    {"avx2", &IsaFeatures::avx2},            {"fma", &IsaFeatures::fma},
    {"f16c", &IsaFeatures::f16c},            {"avx512f", &IsaFeatures::avx512f},
    {"avx512bw", &IsaFeatures::avx512bw},    {"avx512vl", &IsaFeatures::avx512vl},
    {"avx512vnni", &IsaFeatures::avx512vnni}, {"avx512bf16", &IsaFeatures::avx512bf16},
    {"avx-vnni", &IsaFeatures::avx_vnni},    {"amx", &IsaFeatures::amx},
    {"neon", &IsaFeatures::neon},            {"dotprod", &IsaFeatures::dotprod},
    {"i8mm", &IsaFeatures::i8mm},            {"sve", &IsaFeatures::sve},
    {"sme", &IsaFeatures::sme},
}};

struct CpuInfo {
  std::string arch;    // "x86_64", "aarch64"
  std::string vendor;  // "AuthenticAMD", "GenuineIntel", "Apple", ...
  std::string model;   // brand string, trimmed
  IsaFeatures isa;
  int family = 0;      // x86: CPUID's family with its extension (6: most Intel cores, 0x19: AMD Zen 3
                       // and 4, 0x1A: Zen 5); 0 elsewhere
};

CpuInfo detect_cpu();

}  // namespace memwall::hw
