#!/usr/bin/env bash
# Installs the Debian packages evocluster builds and tests with, when they are missing.
# As root on Debian/Ubuntu it runs apt-get; otherwise it prints exactly what is missing
# (and, on a cluster, which kind of module provides it) and exits 1.
#
#   scripts/install-deps.sh            build + test dependencies
#   scripts/install-deps.sh --slurm    also the local Slurm used by the Slurm tests
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  openmpi-bin libopenmpi-dev
  libhdf5-openmpi-dev hdf5-tools
  libgtest-dev libgmock-dev libbenchmark-dev
  libtomlplusplus-dev libcli11-dev libfmt-dev libspdlog-dev
  librandom123-dev libxxhash-dev libeigen3-dev
  clang-format
  # Checkpoint tests craft files with h5py; the Python package and the embedded Python
  # evaluator use Debian's own interpreter (/usr/bin/python3), not one on PATH.
  python3-dev python3-numpy python3-h5py python3-pytest python3-matplotlib
  # The Python package verifies checkpoint payload checksums (XXH3-128) with it.
  python3-xxhash
  # Fuzz harnesses: clang's libFuzzer with ASan/UBSan.
  clang libclang-rt-14-dev
  # The virtual cluster: network namespaces, veth and a bridge.
  iproute2
)
if [[ "${1:-}" == "--slurm" ]]; then
  packages+=(slurmctld slurmd slurm-client munge)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be absent on a fresh machine: update once, then install.
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: done"
  exit 0
fi

cat >&2 <<MSG
install-deps: missing Debian packages: ${missing[*]}
  as root:      apt-get install ${missing[*]}
  on a cluster: load modules that provide a C++20 compiler (GCC >= 12), CMake >= 3.24,
                Open MPI, parallel HDF5 (>= 1.10),
                toml++, CLI11, fmt, spdlog, Random123, xxHash, GoogleTest; then point
                CMAKE_PREFIX_PATH at them.
MSG
exit 1
