#!/usr/bin/env bash
# Configures and builds evocluster into build/ (build/evocluster). Extra arguments go to
# CMake's configure step, e.g. scripts/build.sh -DCMAKE_BUILD_TYPE=Debug.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$root" -B "$root/build" "$@" >/dev/null
cmake --build "$root/build" -j "$(nproc)"
