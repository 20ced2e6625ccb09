#!/usr/bin/env bash
# Checkpoint benchmark (bench/checkpoint_bench.cpp): write time, size and resume time of
# 10,000 x 100 and 100,000 x 100 checkpoints, against raw sequential write speed of the
# same disk measured in the same run. Builds the benchmark in build/ (configuring it if
# needed) and runs it; prints one `name: value unit` line per figure.
#   scripts/bench-checkpoint.sh [DIR]   DIR: directory on the disk to measure (default:
#                                       the current directory; avoid /tmp, often tmpfs)
# EVO_BUILD_DIR overrides the build directory. Build output goes to stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${EVO_BUILD_DIR:-$root/build}"
if [[ $# -gt 1 ]]; then
  echo "usage: $0 [DIR]" >&2
  exit 2
fi
if [[ ! -f "$build/CMakeCache.txt" ]] || grep -q '^EVO_BUILD_BENCH:BOOL=OFF' "$build/CMakeCache.txt"; then
  cmake -S "$root" -B "$build" -DEVO_BUILD_BENCH=ON >&2
fi
cmake --build "$build" --target checkpoint_bench -j "$(nproc)" >&2
exec "$build/checkpoint_bench" "$@"
