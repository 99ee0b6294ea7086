# Per-file instruction-set flags. The binary is built for the baseline of its architecture; files
# that hold kernels for a wider ISA get that ISA's flags alone and are only called after the CPU's
# features were detected at run time.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  set(MEMWALL_X86 ON)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64|ARM64")
  set(MEMWALL_ARM64 ON)
endif()

set(MEMWALL_FLAGS_AVX2 -mavx2 -mfma -mf16c)
set(MEMWALL_FLAGS_AVX512 -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma -mf16c)
# GCC 12's AVX-512 headers pass _mm512_undefined_*() through masked builtins and warn about it
# (GCC bug 105593, fixed in 13): silence that one false warning in the AVX-512 files only.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND MEMWALL_FLAGS_AVX512 -Wno-maybe-uninitialized -Wno-uninitialized)
endif()
set(MEMWALL_FLAGS_AVX512VNNI ${MEMWALL_FLAGS_AVX512} -mavx512vnni)
set(MEMWALL_FLAGS_AVX512AMX ${MEMWALL_FLAGS_AVX512VNNI} -mamx-tile -mamx-int8)
set(MEMWALL_FLAGS_AVXVNNI -mavx2 -mfma -mf16c -mavxvnni)
set(MEMWALL_FLAGS_ARM_DOTPROD -march=armv8.2-a+dotprod)

# memwall_isa_sources(<target> <flags-variable> <files...>)
function(memwall_isa_sources target flags_var)
  target_sources(${target} PRIVATE ${ARGN})
  set_source_files_properties(${ARGN} TARGET_DIRECTORY ${target}
                              PROPERTIES COMPILE_OPTIONS "${${flags_var}}")
endfunction()
