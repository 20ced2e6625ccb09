#!/usr/bin/env bash
# Runs the libFuzzer harnesses (tests/fuzz/, ASan + UBSan) for SECONDS each (default 60) and
# prints, per harness, the executions, the corpus size and the crashes found, then a total.
# Builds build-fuzz/ (`cmake --preset fuzz`, clang) first unless --build names a built tree.
# The seed corpus tests/fuzz/corpus/<harness>/ is only read; what a campaign finds grows
# build-fuzz/corpus/<harness>/, and each crash is kept as build-fuzz/crashes/<harness>/crash-*
# (reproduce with `build-fuzz/<harness>_fuzz FILE`). Exit 1 if any harness crashed.
# --replay runs each harness once on every file of its seed corpus and on every reproducer
# tests/fuzz/reproducers/<harness>-* instead of fuzzing (what the suite does besides the
# bounded runs): exit 1 if any of them crashes.
# --in-process lets HDF5 parse checkpoints inside the checkpoint harness rather than in the
# child process every command uses (EVO_FUZZ_IN_PROCESS=1): libFuzzer then sees HDF5's
# coverage and ASan its faults, i.e. it hunts bugs of HDF5 itself, and crashes are expected
# (docs/checkpoint-format.md, "What a reader refuses").
#   scripts/fuzz.sh [--build DIR] [--quiet] [--replay] [--in-process] [SECONDS] [HARNESS...]
#   (harnesses: config messages journal checkpoint)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=""
quiet=0
replay=0
while (($# > 0)); do
  case $1 in
    --build) build=$(realpath "$2"); shift 2 ;;
    --quiet) quiet=1; shift ;;
    --replay) replay=1; shift ;;
    --in-process) export EVO_FUZZ_IN_PROCESS=1; shift ;;
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
# HDF5's own leak on a failed variable-length read (see the file); nothing else.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# -rss_limit_mb: a config may legally ask for huge populations; parsing must not allocate.
# -malloc_limit_mb: HDF5 1.10.8 reserves the size a damaged object header declares before
# its bounds check refuses the read (tests/fuzz/reproducers/checkpoint-oom-h5lexists.bin:
# 4 GiB reserved, never touched, ~20 MB resident; docs/checkpoint-format.md, "What a reader
# refuses"), so single reservations are bounded well above the memory that may be used.
# -timeout: an input that runs longer than this is a hang. The checkpoint harness waits, for
# an input on which HDF5 hangs, for the isolated parse's 5 s deadline twice (verify, then
# read) plus the sanitized child's teardown, several seconds itself: so 60 s there.
limits=(-rss_limit_mb=2048 -malloc_limit_mb=65536)
timeout_of() { [[ $1 == checkpoint ]] && echo 60 || echo 10; }

child=""
trap '[[ -n $child ]] && kill "$child" 2>/dev/null; exit 130' INT TERM

# Runs one harness process in the background (so that its pid is known), waits for it and
# removes the scratch file a crash inside an input leaves (tests/fuzz/scratch_file.hpp).
# Sets rc.
run_harness() {
  local log=$1
  shift
  rc=0
  "$@" >"$log" 2>&1 &
  child=$!
  wait "$child" || rc=$?
  rm -f "/dev/shm/evo-$h-fuzz-$child".* "${TMPDIR:-/tmp}/evo-$h-fuzz-$child".*
  child=""
}

report_failure() {
  local log=$1
  ((quiet)) && grep -m 20 -E "ERROR|SUMMARY|runtime error|#[0-9]+ 0x" "$log" | head -n 30
  ((quiet)) || tail -n 40 "$log"
  return 0
}

crashed=0
total_executions=0
total_crashes=0
for h in "${harnesses[@]}"; do
  binary=$build/${h}_fuzz
  seed=$root/tests/fuzz/corpus/$h
  [[ -x $binary ]] || { echo "fuzz: no harness $binary" >&2; exit 2; }
  [[ -d $seed ]] || { echo "fuzz: no seed corpus $seed" >&2; exit 2; }
  log=$build/fuzz-$h.log
  if ((replay)); then
    inputs=()
    while IFS= read -r -d '' f; do inputs+=("$f"); done < <(
      find "$seed" "$root/tests/fuzz/reproducers" -type f \
        \( -path "$seed/*" -o -name "$h-*" \) -print0 | sort -z)
    log=$build/replay-$h.log
    # Given files (not directories), libFuzzer runs each once and stops at the first crash.
    run_harness "$log" "$binary" "${limits[@]}" -timeout="$(timeout_of "$h")" "${inputs[@]}"
    echo "fuzz $h: replayed ${#inputs[@]} files (corpus and reproducers), exit $rc"
    if ((rc != 0)); then
      crashed=1
      report_failure "$log"
    fi
    continue
  fi
  corpus=$build/corpus/$h
  crashes=$build/crashes/$h
  mkdir -p "$corpus" "$crashes"
  before=$(find "$crashes" -type f | wc -l)
  start=$SECONDS
  run_harness "$log" "$binary" -max_total_time="$seconds" -print_final_stats=1 "${limits[@]}" \
    -timeout="$(timeout_of "$h")" \
    -artifact_prefix="$crashes/" "$corpus" "$seed"
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  new=$(($(find "$crashes" -type f | wc -l) - before))
  ((new > 0 || rc == 0)) || new=1  # died without an artifact (e.g. killed): still a failure
  size=$(find "$corpus" -type f | wc -l)
  echo "fuzz $h: ${executions:-?} executions in $((SECONDS - start)) s, corpus $size, crashes $new (exit $rc)"
  total_executions=$((total_executions + ${executions:-0}))
  total_crashes=$((total_crashes + new))
  if ((rc != 0 || new > 0)); then
    crashed=1
    report_failure "$log"
    find "$crashes" -type f -newer "$seed" | sed 's/^/  reproducer: /'
  fi
done
((replay)) || ((${#harnesses[@]} < 2)) ||
  echo "fuzz total: $total_executions executions, crashes $total_crashes"
exit "$crashed"
