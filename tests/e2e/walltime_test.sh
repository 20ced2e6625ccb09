#!/usr/bin/env bash
# The wall-time guard without Slurm: `--walltime` gives each launch a limit; it checkpoints
# run.walltime_margin before it (mid-generation if need be) and exits 85, and launches
# repeated with the same arguments finish identical to one uninterrupted run. A restart
# count above run.max_restarts is refused with exit 5 before anything runs.
source "$(dirname "$0")/lib.sh"

base=$(scratch walltime)
config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=noisy_sphere
  --set problem.dimension=5 --set problem.delay_ms=40 --set algorithm.population=24
  --set run.generations=16 --set checkpoint.every_generations=100)
evo_run 3 "${config[@]}" --out "$base/reference" >"$base/reference.log" 2>&1 ||
  fail "reference run failed"

out="$base/limited"
launches=0
rc=85
# How long each launch takes is up to the machine (MPI start-up under load can take
# seconds); the decision when to stop is unit-tested (tests/master/batch_limits_test.cpp).
# Here: every launch but the last stops by the guard, mid-generation where it falls, and
# the pieces add up to the uninterrupted run.
while [[ $rc == 85 ]] && ((launches < 25)); do
  launches=$((launches + 1))
  rc=0
  evo_run 3 "${config[@]}" --walltime 8 --set run.walltime_margin=3 --out "$out" \
    >>"$out.log" 2>&1 || rc=$?
done
stops=$(grep -c "stopped by the wall-time limit ([0-9]* s ahead) .*exit 85" "$out.log" || true)
if [[ $rc == 0 ]] && ((launches >= 2 && stops == launches - 1)); then
  pass "$launches launches of 8 s each: $stops stopped by the guard with exit 85, the last finished"
else
  fail "$launches launch(es), $stops stopped by the guard, last exit $rc"
  cat "$out.log" >&2
fi
grep -q "stopped by the wall-time limit ([0-9]* s ahead) in generation" "$out.log" &&
  pass "stopped in the middle of a generation" || fail "never stopped mid-generation"
grep -q "wall-time limit in [0-8] s from run.walltime" "$out.log" || fail "the limit was not announced"
same_results "$base/reference" "$out" "stopped by --walltime" &&
  pass "identical to the uninterrupted run"

rc=0
SLURM_RESTART_COUNT=3 evo_run 2 "${config[@]}" --set run.max_restarts=2 --out "$base/capped" \
  >"$base/capped.log" 2>&1 || rc=$?
if [[ $rc == 5 ]] && grep -q "restarted this job 3 time(s) .*run.max_restarts = 2" "$base/capped.log"; then
  pass "restart cap: exit 5 with the reason"
else
  fail "restart cap: exit $rc"
  cat "$base/capped.log" >&2
fi
compgen -G "$base/capped/checkpoints/*.h5" >/dev/null && fail "restart cap: the run started anyway"
rc=0
evo_run 2 "${config[@]}" --walltime 1:xx --out "$base/bad" >"$base/bad.log" 2>&1 || rc=$?
[[ $rc == 2 ]] && grep -q -- "--walltime: expected seconds or \[D-\]H:MM:SS, got '1:xx'" "$base/bad.log" &&
  pass "a bad --walltime is a usage error" || fail "bad --walltime: exit $rc"
finish
