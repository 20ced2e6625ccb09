#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with ctest (unit, MPI
# and end-to-end tests under real mpirun, and the Slurm tests on a local Slurm that ctest
# brings up and down: they need root), then the sanitizer phases in build-asan/
# (`cmake --preset asan`: clang, ASan + UBSan, UB and leaks fail a test):
#   asan  the unit and MPI tests again (target unit_and_mpi_tests, not the e2e world); its
#         build runs beside the first ctest at the lowest priority
#   fuzz  the libFuzzer harnesses of the same build: each fuzzes EVO_FUZZ_SECONDS (default
#         10) and replays its seed corpus and reproducers
# Every phase prints its time; a summary at the end lists them all. A failing phase does
# not stop the later ones; the exit code is 1 if any failed.
# Arguments go to the first ctest only, e.g. `-L e2e`, `-L slurm`, or `-LE slurm` where no
# local Slurm can run; with arguments the sanitizer phases are skipped unless
# EVO_SANITIZE=1 (EVO_SANITIZE=0 always skips them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sanitize=${EVO_SANITIZE:-$((($# == 0) ? 1 : 0))}
fuzz_seconds=${EVO_FUZZ_SECONDS:-10}
jobs=$(nproc)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

summary=()
failed=0
# phase NAME COMMAND...: runs COMMAND, prints and records how long it took and how it ended.
phase() {
  local name=$1
  shift
  local start=$SECONDS rc=0
  echo "== phase $name: start $(date -u +%H:%M:%S)"
  "$@" || rc=$?
  local line
  line=$(printf '%-12s %5d s  %s' "$name" $((SECONDS - start)) "$( ((rc == 0)) && echo ok || echo "FAILED (exit $rc)")")
  echo "== phase $line"
  summary+=("$line")
  ((rc == 0)) || failed=1
  return "$rc"
}

print_summary() {
  echo "== test.sh summary (total $SECONDS s)"
  printf '   %s\n' "${summary[@]}"
}

phase deps scripts/install-deps.sh --slurm || { print_summary; exit 1; }
phase build scripts/build.sh -DEVO_WERROR=ON || { print_summary; exit 1; }
# The sanitizer build runs beside the test phase, at the lowest CPU priority: the tests
# leave most of the CPU idle (they wait on MPI start-up, fsync, signals and sleeps; about a
# third of two cores is busy), and this build is the suite's largest cost after the first
# build. Its phase line below is the time it took beyond the tests.
asan_pid=""
asan_log=$root/build/asan-build.log
if ((sanitize)); then
  nice -n 19 bash -c 'cmake --preset asan -DEVO_FUZZ_SECONDS="$1" >/dev/null &&
    cmake --build build-asan -j "$2" --target unit_and_mpi_tests evo_fuzz_harnesses' \
    _ "$fuzz_seconds" "$jobs" >"$asan_log" 2>&1 &
  asan_pid=$!
fi

phase test ctest --test-dir build --output-on-failure -j 2 "$@" || true

# Waits for the sanitizer build started beside the tests; shows its end if it failed.
wait_asan_build() {
  local rc=0
  wait "$asan_pid" || rc=$?
  ((rc == 0)) || tail -n 40 "$asan_log"
  return "$rc"
}

if ((sanitize)); then
  # The asan test preset sets ASAN_OPTIONS, UBSAN_OPTIONS and the LeakSanitizer
  # suppressions (scripts/lsan.supp: Open MPI only).
  if phase asan-build wait_asan_build; then
    phase asan-test ctest --preset asan -L 'unit|mpi' -j 2 || true
    # Two harnesses at a time: each one is single-threaded and bounded by wall time.
    phase fuzz-test ctest --test-dir build-asan -L fuzz --output-on-failure -j 2 || true
  fi
fi
print_summary
exit "$failed"
