#!/usr/bin/env bash
# The byte-identity matrix: reruns every case of tests/identity/cases.txt (every algorithm,
# every genome type, 1 and 3 ranks, jobs = 2, kill -9 and resume, SIGUSR1 and SIGUSR2
# mid-generation) and compares each case's digest (tests/identity/digest.py: every
# attribute and dataset of the final checkpoints, timing and launch fields aside, and the
# reproducible logbook columns) with tests/identity/expected/<case>.txt.
#   scripts/identity-matrix.sh record [--bin PATH] [CASE...]  writes the expectations
#   scripts/identity-matrix.sh check  [--bin PATH] [CASE...]  prints the first difference
#                                                            per case; exit 1 if any
# PATH defaults to build/evocluster. Scratch output goes to a temporary directory that is
# removed on exit, and every mpirun it starts is gone when it returns.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
matrix=$root/tests/identity
usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
(($# >= 1)) || usage
mode=$1
shift
[[ $mode == record || $mode == check ]] || usage
bin=$root/build/evocluster
if [[ ${1:-} == --bin ]]; then
  (($# >= 2)) || usage
  bin=$(realpath "$2")
  shift 2
fi
[[ -x $bin ]] || { echo "identity-matrix: no executable at $bin" >&2; exit 2; }
wanted=("$@")

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d "${TMPDIR:-/tmp}/identity-matrix.XXXXXX")
sessions=()
cleanup() {
  local sid
  for sid in "${sessions[@]}"; do pkill -9 -s "$sid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# run_to_end OUT NP ARGS...: one launch in the foreground, log appended to OUT.log.
run_to_end() {
  local out=$1 np=$2
  shift 2
  timeout 120 mpirun --oversubscribe -np "$np" "$bin" run "$@" --out "$out" >>"$out.log" 2>&1 </dev/null
}

# start_detached OUT NP ARGS...: a launch in a session of its own; its pid in $pid.
start_detached() {
  local out=$1 np=$2
  shift 2
  setsid mpirun --oversubscribe -np "$np" "$bin" run "$@" --out "$out" >>"$out.log" 2>&1 </dev/null &
  pid=$!
  sessions+=("$pid")
}

# wait_for GLOB_OR_LOGLINE: waits up to 20 s for a checkpoint file (a glob) to exist.
wait_for_checkpoint() {
  local out=$1
  for _ in $(seq 1000); do
    compgen -G "$out/checkpoints/ckpt-*.h5" >/dev/null && return 0
    compgen -G "$out/job.0/checkpoints/ckpt-*.h5" >/dev/null && return 0
    sleep 0.02
  done
  return 1
}

# wait_for_generation OUT GEN: waits up to 20 s for OUT.log to show generation GEN logged.
wait_for_generation() {
  local line
  line=$(printf '^gen %5d ' "$2")
  for _ in $(seq 1000); do
    grep -q "$line" "$1.log" 2>/dev/null && return 0
    sleep 0.02
  done
  return 1
}

# newest_in_progress_rows OUT: rows of /in_progress/fitness in the newest checkpoint (> 0:
# it was taken mid-generation, with finished evaluations in it).
newest_in_progress_rows() {
  local newest
  newest=$(ls "$1"/checkpoints/ckpt-*.h5 | sort | tail -n 1)
  h5dump -H -d /in_progress/fitness "$newest" | sed -n 's/.*SIMPLE { ( \([0-9]*\),.*/\1/p'
}

# run_case NAME NP SCENARIO ARGS...: runs one case into $work/NAME; returns non-zero (with
# a message) if the scenario itself did not happen as it should.
run_case() {
  local name=$1 np=$2 scenario=$3
  shift 3
  local out=$work/$name rc=0
  case $scenario in
    plain)
      run_to_end "$out" "$np" "$@" || { echo "the run failed (exit $?)"; return 1; }
      ;;
    kill9)
      start_detached "$out" "$np" "$@"
      wait_for_checkpoint "$out" || { echo "no first checkpoint within 20 s"; return 1; }
      sleep 0.4
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "the run ended before the kill: the case needs slower evaluations"
        return 1
      fi
      pkill -9 -s "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      run_to_end "$out" "$np" "$@" || { echo "the resumed run failed (exit $?)"; return 1; }
      grep -q "resuming from" "$out.log" || { echo "the relaunch did not resume"; return 1; }
      ;;
    sigusr1 | sigusr2)
      start_detached "$out" "$np" "$@"
      wait_for_generation "$out" 2 || { echo "generation 2 not logged within 20 s"; return 1; }
      sleep 0.1 # into generation 3, whose evaluations take a while (delay_ms)
      if [[ $scenario == sigusr1 ]]; then kill -USR1 "$pid"; else kill -USR2 "$pid"; fi
      wait "$pid" || rc=$?
      local expected_rc=0
      [[ $scenario == sigusr1 ]] && expected_rc=85
      ((rc == expected_rc)) || { echo "exit $rc after $scenario, expected $expected_rc"; return 1; }
      if [[ $scenario == sigusr1 ]]; then
        local rows
        rows=$(newest_in_progress_rows "$out")
        ((rows > 0)) || echo "note: the signal checkpoint was not mid-generation (timing)" >&2
        run_to_end "$out" "$np" "$@" || { echo "the resumed run failed (exit $?)"; return 1; }
      else
        grep -q "signal SIGUSR2\|SIGUSR2" "$out.log" ||
          echo "note: the log does not mention SIGUSR2" >&2
      fi
      ;;
    *)
      echo "unknown scenario $scenario"
      return 1
      ;;
  esac
}

failures=0 cases=0 start=$SECONDS
while read -r -u 3 name np scenario check overrides; do
  [[ -z $name || $name == \#* ]] && continue
  if ((${#wanted[@]} > 0)) && [[ ! " ${wanted[*]} " == *" $name "* ]]; then continue; fi
  cases=$((cases + 1))
  read -ra extra <<<"$overrides"
  case_start=$SECONDS
  if ! problem=$(run_case "$name" "$np" "$scenario" "$matrix/base.toml" "${extra[@]}"); then
    echo "FAIL $name: $problem"
    tail -n 5 "$work/$name.log" | sed 's/^/    /'
    failures=$((failures + 1))
    continue
  fi
  digest_args=()
  [[ $check == evaluations ]] && digest_args=(--evaluations)
  actual=$work/$name.digest
  /usr/bin/python3 "$matrix/digest.py" "${digest_args[@]}" "$work/$name" >"$actual"
  expected=$matrix/expected/$name.txt
  if [[ $mode == record ]]; then
    cp "$actual" "$expected"
    echo "recorded $name ($((SECONDS - case_start)) s, $(wc -l <"$expected") lines)"
  elif [[ ! -f $expected ]]; then
    echo "FAIL $name: no expectation $expected (run record first)"
    failures=$((failures + 1))
  elif ! cmp -s "$expected" "$actual"; then
    first=$(diff "$expected" "$actual" | grep -m 2 '^[<>]' || true)
    echo "FAIL $name: first difference (< expected, > actual):"
    echo "$first" | sed 's/^/    /'
    failures=$((failures + 1))
  else
    echo "ok $name ($((SECONDS - case_start)) s)"
  fi
done 3<"$matrix/cases.txt"
echo "$mode: $cases case(s), $failures failure(s), $((SECONDS - start)) s"
((cases > 0)) || { echo "no case matched" >&2; exit 2; }
((failures == 0))
