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
stops() { grep -c "stopped by the wall-time limit" "$out.log" 2>/dev/null || true; }
while [[ $rc == 85 ]] && ((launches < 10)); do
  launches=$((launches + 1))
  before=$(stops)
  started=$(date +%s.%N)
  evo_run 3 "${config[@]}" --walltime 6 --set run.walltime_margin=2 --out "$out" \
    >>"$out.log" 2>&1 &
  pid=$!
  # The stop (checkpoint written) must come before the limit, mpirun's start-up included;
  # mpirun's shutdown afterwards is outside evocluster's hands.
  while kill -0 "$pid" 2>/dev/null && (($(stops) == before)); do sleep 0.05; done
  took=$(echo "$(date +%s.%N) - $started" | bc)
  rc=0
  wait "$pid" || rc=$?
  if [[ $rc == 85 ]] && (($(echo "$took >= 6" | bc))); then
    fail "launch $launches stopped ${took}s after its start, past its 6 s limit"
  fi
done
if [[ $rc == 0 ]] && ((launches >= 3)); then
  pass "$launches launches of 6 s each: exit 85 until the run was done, then 0"
else
  fail "$launches launch(es), last exit $rc (expected several exits 85, then 0)"
  cat "$out.log" >&2
fi
grep -q "wall-time limit in [0-6] s from run.walltime" "$out.log" || fail "the limit was not announced"
stops=$(grep -c "stopped by the wall-time limit (2 s ahead) in generation" "$out.log" || true)
((stops >= 1)) && pass "$stops stop(s) in the middle of a generation" ||
  fail "no stop in the middle of a generation"
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
