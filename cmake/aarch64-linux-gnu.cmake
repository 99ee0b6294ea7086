# Cross build for 64-bit ARM Linux on a Debian x86-64 host:
#   apt-get install g++-aarch64-linux-gnu qemu-user
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install libfmt-dev:arm64 libhwloc-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64
# (CLI11, nlohmann-json and valijson are header-only and shared by both architectures.)
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
# scripts/test-arm64.sh does all of it and runs the kernel tests under qemu.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Debian multiarch: the arm64 libraries sit beside the host's under /usr (lib/aarch64-linux-gnu),
# so the search root stays / and only the library directory names the architecture.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)

# Test discovery (gtest_discover_tests) and ctest run the binaries through qemu-user; QEMU_CPU in
# the environment picks the emulated CPU (e.g. cortex-a57: no dotprod). The binaries load the
# multiarch libc6:arm64 that the libraries above depend on, from /lib/aarch64-linux-gnu: no -L
# /usr/aarch64-linux-gnu, whose dynamic loader (the cross toolchain's glibc, another build) hangs
# with that libc as soon as a thread starts.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64)
