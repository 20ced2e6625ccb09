#!/usr/bin/env bash
# SIGUSR1 and SIGTERM sent to mpirun in the middle of a generation of slow evaluations:
# a durable checkpoint of the partial generation within a couple of seconds, exit 85
# (mpirun itself reports 1 after SIGTERM, an Open MPI behaviour: the log must say 85),
# and a restart that finishes identical. SIGUSR2: checkpoint and carry on.
source "$(dirname "$0")/lib.sh"

base=$(scratch signals)
config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=noisy_sphere
  --set problem.dimension=5 --set problem.delay_ms=60 --set algorithm.population=24
  --set run.generations=6 --set checkpoint.every_generations=100)

evo_run 4 "${config[@]}" --out "$base/reference" >"$base/reference.log" 2>&1 ||
  fail "reference run failed"

checkpoint_count() { ls "$1"/checkpoints/ckpt-*.h5 2>/dev/null | wc -l; }

for signal in USR1 TERM USR2; do
  out="$base/$signal"
  start_detached "$out" 4 "${config[@]}"
  pid=$detached_pid
  # Into generation 2, mid-way through its evaluations.
  wait_for_generation "$out" 1 || fail "generation 1 was never logged"
  sleep 0.25
  before=$(checkpoint_count "$out")
  sent=$(date +%s.%N)
  kill -$signal "$pid"
  for _ in $(seq 500); do
    (($(checkpoint_count "$out") > before)) && break
    sleep 0.01
  done
  took=$(echo "$(date +%s.%N) - $sent" | bc)
  rc=0
  wait "$pid" || rc=$?
  newest=$(newest_checkpoint "$out")
  if (($(checkpoint_count "$out") <= before)); then
    fail "SIG$signal: no checkpoint after the signal"
    cat "$out.log" >&2
    continue
  fi
  if ! "$EVO_BIN" verify "$newest" >/dev/null; then
    fail "SIG$signal: the signal checkpoint is not intact"
  fi
  if [[ $signal == USR2 ]]; then
    if [[ $rc == 0 ]] && grep -q "request (SIGUSR2)" "$out.log"; then
      pass "SIGUSR2: checkpoint on request after ${took}s, the run carried on and finished"
    else
      fail "SIGUSR2: exit $rc"; cat "$out.log" >&2
    fi
    same_results "$base/reference" "$out" "SIGUSR2" && pass "SIGUSR2: identical"
    continue
  fi
  expected_rc=85
  [[ $signal == TERM ]] && expected_rc=1
  if [[ $rc != "$expected_rc" ]] || ! grep -q "stopped by SIG$signal in generation .*exit 85" "$out.log"; then
    fail "SIG$signal: exit $rc (expected $expected_rc and the log saying exit 85)"
    cat "$out.log" >&2
  elif (($(echo "$took > 2" | bc))); then
    fail "SIG$signal: the checkpoint took ${took}s after the signal"
  else
    pass "SIG$signal: durable checkpoint ${took}s after the signal, exit $rc"
  fi
  if "$EVO_BIN" inspect "$newest" | grep -q "in progress *generation [1-9]"; then
    pass "SIG$signal: the checkpoint holds the generation in progress"
  else
    fail "SIG$signal: the checkpoint does not hold a generation in progress"
    "$EVO_BIN" inspect "$newest" >&2
  fi
  if ! evo_run 4 "${config[@]}" --out "$out" >>"$out.log" 2>&1; then
    fail "SIG$signal: restart failed"
    continue
  fi
  grep -q "generation [0-9]* was in progress" "$out.log" ||
    fail "SIG$signal: the restart did not continue the generation in progress"
  same_results "$base/reference" "$out" "SIG$signal then restart" &&
    pass "SIG$signal: restart finished identical"
done
finish
