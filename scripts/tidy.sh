#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy at the root) over the project's sources, one file after
# another; prints every finding and exits 1 if there is any. Needs a configured build
# directory for compile_commands.json (default: build; pass another as $1).
# Not part of the test suite: on 2 cores it takes several minutes.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[[ -f $build/compile_commands.json ]] || { echo "tidy: no $build/compile_commands.json; run scripts/build.sh first" >&2; exit 2; }
status=0
for source in common/*.cpp master/*.cpp worker/*.cpp main.cpp; do
  clang-tidy -p "$build" --quiet "$source" 2>/dev/null | grep -E "(warning|error):" && status=1
done
exit $status
