#!/usr/bin/env bash
# Runs the libFuzzer harnesses (tests/fuzz/, ASan + UBSan) for SECONDS each (default 60) and
# prints, per harness, the executions, the corpus size and the crashes found. Builds
# build-fuzz/ (`cmake --preset fuzz`, clang) first unless --build names a built tree.
# The seed corpus tests/fuzz/corpus/<harness>/ is only read; what a campaign finds grows
# build-fuzz/corpus/<harness>/, and each crash is kept as build-fuzz/crashes/<harness>/crash-*
# (reproduce with `build-fuzz/<harness>_fuzz FILE`). Exit 1 if any harness crashed.
#   scripts/fuzz.sh [--build DIR] [--quiet] [SECONDS] [HARNESS...]   (config messages journal checkpoint)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=""
quiet=0
while (($# > 0)); do
  case $1 in
    --build) build=$(realpath "$2"); shift 2 ;;
    --quiet) quiet=1; shift ;;
    *) break ;;
  esac
done
seconds=60
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
harnesses=("$@")
((${#harnesses[@]} > 0)) || harnesses=(config messages journal checkpoint)
if [[ -z $build ]]; then
  build=$root/build-fuzz
  cmake --preset fuzz -S "$root" >/dev/null
  targets=()
  for h in "${harnesses[@]}"; do targets+=("${h}_fuzz"); done
  cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" make_fuzz_seeds >/dev/null
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

crashed=0
for h in "${harnesses[@]}"; do
  binary=$build/${h}_fuzz
  seed=$root/tests/fuzz/corpus/$h
  corpus=$build/corpus/$h
  crashes=$build/crashes/$h
  [[ -x $binary ]] || { echo "fuzz: no harness $binary" >&2; exit 2; }
  [[ -d $seed ]] || { echo "fuzz: no seed corpus $seed" >&2; exit 2; }
  mkdir -p "$corpus" "$crashes"
  before=$(find "$crashes" -type f | wc -l)
  log=$build/fuzz-$h.log
  rc=0
  # -rss_limit_mb: a config may legally ask for huge populations; parsing must not allocate.
  "$binary" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 \
    -timeout=10 -artifact_prefix="$crashes/" "$corpus" "$seed" >"$log" 2>&1 || rc=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  new=$(($(find "$crashes" -type f | wc -l) - before))
  size=$(find "$corpus" -type f | wc -l)
  echo "fuzz $h: ${executions:-?} executions in ${seconds} s, corpus $size, crashes $new (exit $rc)"
  if ((rc != 0 || new > 0)); then
    crashed=1
    ((quiet)) && grep -m 20 -E "ERROR|SUMMARY|runtime error|#[0-9]+ 0x" "$log" | head -n 30
    ((quiet)) || tail -n 40 "$log"
    find "$crashes" -type f -newer "$seed" | sed 's/^/  reproducer: /'
  fi
done
exit "$crashed"
