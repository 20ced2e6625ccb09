# Helpers for the end-to-end tests: run build/evocluster under real mpirun and compare
# the results of two runs bit for bit with h5diff (timing columns aside).
set -euo pipefail

EVO_BIN=${EVO_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/evocluster}
EVO_SOURCE_DIR=${EVO_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
EVO_WORK_DIR=${EVO_WORK_DIR:-$(mktemp -d)}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
finish() {
  if ((failures > 0)); then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}

# A fresh scratch directory for one test.
scratch() {
  local dir="$EVO_WORK_DIR/$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "$dir"
}

# evo_run NP ARGS... : mpirun -np NP evocluster ARGS...
evo_run() {
  local np=$1
  shift
  mpirun --oversubscribe -np "$np" "$EVO_BIN" "$@"
}

# Newest checkpoint file of an output directory.
newest_checkpoint() {
  local dir=$1/checkpoints
  ls "$dir"/ckpt-*.h5 2>/dev/null | sort | tail -n 1
}

# same_results DIR_A DIR_B LABEL: final population, hall of fame, reproducible logbook
# columns and master RNG state identical (scripts/compare-runs.sh); fails the test with the
# first difference.
same_results() {
  local difference
  if ! difference=$("$EVO_SOURCE_DIR/scripts/compare-runs.sh" "$1" "$2"); then
    fail "$3: $difference"
    return 1
  fi
}

# h5_attribute FILE NAME: a root attribute's value, as h5dump prints it.
h5_attribute() {
  h5dump -a "/$2" "$1" 2>/dev/null | sed -n 's/^ *(0): *//p' | head -n 1
}

# kill_session SID: kill -9 mpirun and every rank it started (ranks get process groups of
# their own, but stay in mpirun's session), and wait until all are gone.
kill_session() {
  local sid=$1
  pkill -9 -s "$sid" 2>/dev/null || true
  for _ in $(seq 200); do
    pgrep -s "$sid" >/dev/null || return 0
    sleep 0.02
  done
}

# start_detached OUT NP ARGS...: starts `evocluster ARGS --out OUT` on NP ranks under mpirun
# in a session of its own (log appended to OUT.log); its pid, which is also the session id
# for kill_session, is left in $detached_pid.
start_detached() {
  local out=$1 np=$2
  shift 2
  setsid mpirun --oversubscribe -np "$np" "$EVO_BIN" "$@" --out "$out" >>"$out.log" 2>&1 &
  detached_pid=$!
}

# wait_for_generation OUT GEN: waits up to 15 s for OUT.log to show generation GEN logged.
wait_for_generation() {
  local line
  line=$(printf '^gen %5d ' "$2")
  for _ in $(seq 750); do
    grep -q "$line" "$1.log" 2>/dev/null && return 0
    sleep 0.02
  done
  return 1
}

# kill_after_first_checkpoint OUT DELAY NP ARGS...: starts `evocluster ARGS --out OUT` on NP
# ranks in a session of its own (log appended to OUT.log), waits up to 12 s for its first
# checkpoint, sleeps DELAY seconds, then kill -9s mpirun and every rank. Prints "killed", or
# "finished" when the run ended before the kill (the caller's test then needs a slower run).
kill_after_first_checkpoint() {
  local out=$1 delay=$2 np=$3
  shift 3
  start_detached "$out" "$np" "$@"
  local pid=$detached_pid
  for _ in $(seq 600); do
    compgen -G "$out/checkpoints/ckpt-*.h5" >/dev/null && break
    sleep 0.02
  done
  sleep "$delay"
  if kill -0 "$pid" 2>/dev/null; then
    kill_session "$pid"
    wait "$pid" 2>/dev/null || true
    echo killed
  else
    wait "$pid" 2>/dev/null || true
    echo finished
  fi
}

# expect_exit_2 NP WHAT EXPECTED_TEXT ARGS...: `evocluster run ARGS` on NP ranks (output
# under $base/out) must end every rank with exit code 2 within 20 s, with EXPECTED_TEXT
# in the message.
expect_exit_2() {
  local np=$1 what=$2 expected=$3
  shift 3
  local start=$SECONDS rc=0
  timeout 60 mpirun --oversubscribe -np "$np" "$EVO_BIN" run "$@" --out "$base/out" \
    >"$base/log" 2>&1 || rc=$?
  local took=$((SECONDS - start))
  if [[ $rc != 2 ]]; then
    fail "$what (np=$np): exit code $rc, expected 2"
    tail -n 5 "$base/log" >&2
  elif ! grep -qF -- "$expected" "$base/log"; then
    fail "$what (np=$np): message does not say '$expected'"
    cat "$base/log" >&2
  elif ((took > 20)); then
    fail "$what (np=$np): took ${took}s"
  else
    pass "$what (np=$np): exit 2 in ${took}s: '$expected'"
  fi
}
