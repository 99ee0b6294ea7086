#!/usr/bin/env bash
# Cross-compiles memwall for 64-bit ARM and runs the quant module's tests (every NEON kernel and
# the activation quantizer against the reference), the engine's (attention, the forward pass
# against the float64 reference, batching) and the hw module's (CPU features, the NEON bandwidth
# and compute-peak kernels, the thread team) under qemu-user on two emulated CPUs:
#   max         has dotprod: the neon-dotprod, neon and generic tables run
#   cortex-a57  Armv8.0, no dotprod: the neon and generic tables run
# Not part of the default test suite, which needs neither the cross toolchain nor qemu.
#
#   scripts/test-arm64.sh [--install] [build-dir]      (build-dir defaults to build-arm64)
#   --install   first install the Debian packages it needs (adds the arm64 architecture)
# JOBS sets the build's parallelism (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

install=0
build=build-arm64
for arg in "$@"; do
  case "$arg" in
    --install) install=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) build="$arg" ;;
  esac
done

# The cross compiler and emulator, and the arm64 builds of the libraries that are not header-only.
host_packages=(g++-aarch64-linux-gnu qemu-user)
arm64_packages=(libfmt-dev:arm64 libhwloc-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64 libcurl4-openssl-dev:arm64 libcpp-httplib-dev:arm64)
if [[ $install -eq 1 ]]; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  scripts/install-deps.sh --tests
  dpkg --print-foreign-architectures | grep -qx arm64 || $sudo dpkg --add-architecture arm64
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${host_packages[@]}" "${arm64_packages[@]}"
fi
for tool in aarch64-linux-gnu-g++ qemu-aarch64; do
  command -v "$tool" >/dev/null || { echo "test-arm64: $tool not found (run with --install)" >&2; exit 2; }
done

cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DMEMWALL_BUILD_BENCHMARKS=OFF
cmake --build "$build" --target quant_tests engine_tests hw_tests -j"${JOBS:-2}"

# No -L /usr/aarch64-linux-gnu: see cmake/aarch64-linux-gnu.cmake.
status=0
for cpu in max cortex-a57; do
  for suite in quant/quant_tests engine/engine_tests hw_tests; do
    echo "== ${suite##*/} on qemu-aarch64 -cpu $cpu"
    qemu-aarch64 -cpu "$cpu" "$build/tests/$suite" --gtest_brief=1 || status=1
  done
done
exit $status
