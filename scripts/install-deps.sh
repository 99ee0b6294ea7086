#!/usr/bin/env bash
# Installs the Debian packages memwall needs that are missing (apt-get, as root or through sudo).
#   scripts/install-deps.sh            build and run
#   scripts/install-deps.sh --tests    also what the test suite needs
set -euo pipefail

packages=(build-essential cmake pkg-config git
          libcli11-dev nlohmann-json3-dev libhwloc-dev libfmt-dev libbenchmark-dev
          libcurl4-openssl-dev libcpp-httplib-dev)
if [[ "${1:-}" == "--tests" ]]; then
  # clang and its runtime build the libFuzzer target of the GGUF reader (its smoke test runs in CI).
  packages+=(libgtest-dev libgmock-dev libvalijson-dev clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "installing: ${missing[*]}" >&2
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
