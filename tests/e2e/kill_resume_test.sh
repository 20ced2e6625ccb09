#!/usr/bin/env bash
# Determinism contract 2: a run killed with kill -9 (the whole mpirun and its ranks) at
# random moments after its first checkpoint (mpirun and every rank at once), then started again with the same command,
# finishes identical to the uninterrupted run. One trial also resumes with another rank
# count (contract 4).
source "$(dirname "$0")/lib.sh"

base=$(scratch kill-resume)
config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=noisy_sphere
  --set problem.dimension=8 --set problem.delay_ms=4 --set algorithm.population=40
  --set run.generations=40 --set checkpoint.every_generations=3)

evo_run 4 "${config[@]}" --out "$base/reference" >"$base/reference.log" 2>&1 ||
  fail "reference run failed"

trial=0
for delay in 0 0.3 0.7 1.1 1.6; do
  trial=$((trial + 1))
  out="$base/trial$trial"
  outcome=$(kill_after_first_checkpoint "$out" "$delay" 4 "${config[@]}")
  if [[ $outcome != killed ]]; then
    fail "trial $trial: the run finished before the kill at +${delay}s; the test needs a slower run"
    continue
  fi
  # Restart with the same command (trial 3 with another rank count), as a batch system would.
  np=4
  ((trial == 3)) && np=2
  if ! mpirun --oversubscribe -np $np "$EVO_BIN" "${config[@]}" --out "$out" >>"$out.log" 2>&1; then
    fail "trial $trial: the restarted run failed"
    tail -n 20 "$out.log" >&2
    continue
  fi
  if ! grep -q "resuming from" "$out.log"; then
    fail "trial $trial: the restart did not resume from a checkpoint"
    continue
  fi
  resumed_at=$(grep -o "resuming from .*generation [0-9]*" "$out.log" | grep -o "[0-9]*$")
  same_results "$base/reference" "$out" "trial $trial (killed at +${delay}s, resumed at generation $resumed_at, np $np)" &&
    pass "trial $trial: killed at +${delay}s after the first checkpoint, resumed at generation $resumed_at with $np ranks, identical"
done
finish
