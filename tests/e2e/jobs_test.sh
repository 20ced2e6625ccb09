#!/usr/bin/env bash
# run.jobs = 3 (independent runs, as ECJ's jobs): each job writes under OUT/job.J with its
# own seed stream; killed in the middle of job 1, the relaunch finishes job 1 from its
# checkpoint, then runs job 2, never re-running job 0, and every job equals the one of an
# uninterrupted launch. Job 0 also equals a plain single-job run of the same seed.
source "$(dirname "$0")/lib.sh"

base=$(scratch jobs)
config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=noisy_sphere
  --set problem.dimension=5 --set problem.delay_ms=4 --set algorithm.population=24
  --set run.generations=12 --set checkpoint.every_generations=3 --set run.jobs=3)

evo_run 3 "${config[@]}" --out "$base/reference" >"$base/reference.log" 2>&1 ||
  fail "uninterrupted 3-job run failed"
for job in 0 1 2; do
  [[ -f $(newest_checkpoint "$base/reference/job.$job") ]] || fail "job $job wrote no checkpoint"
done
if h5diff "$(newest_checkpoint "$base/reference/job.0")" \
  "$(newest_checkpoint "$base/reference/job.1")" /population /population >/dev/null 2>&1; then
  fail "jobs 0 and 1 gave the same population: they do not have their own seed streams"
else
  pass "jobs have independent seed streams"
fi

single=("${config[@]}")
single[${#single[@]} - 1]=run.jobs=1
evo_run 3 "${single[@]}" --out "$base/single" >/dev/null 2>&1 || fail "single-job run failed"
for object in /population /hall_of_fame /logbook/min; do
  h5diff "$(newest_checkpoint "$base/single")" "$(newest_checkpoint "$base/reference/job.0")" \
    "$object" "$object" >/dev/null 2>&1 || fail "job 0 differs from a single-job run in $object"
done
pass "job 0 equals a single-job run of the same seed"

out="$base/interrupted"
setsid mpirun --oversubscribe -np 3 "$EVO_BIN" "${config[@]}" --out "$out" >"$out.log" 2>&1 &
pid=$!
for _ in $(seq 1000); do
  compgen -G "$out/job.1/checkpoints/ckpt-*-g000003.h5" >/dev/null && break
  sleep 0.01
done
sleep 0.1
kill_session "$pid"
wait "$pid" 2>/dev/null || true
if compgen -G "$out/job.2/checkpoints/*.h5" >/dev/null; then
  fail "the kill came too late: job 2 had already started"
fi
job0_before=$(ls "$out/job.0/checkpoints")
evo_run 3 "${config[@]}" --out "$out" >>"$out.log" 2>&1 || fail "relaunch failed"
grep -q "resuming from .*job.1/checkpoints/.*(job 1, generation" "$out.log" ||
  fail "the relaunch did not resume job 1 from its checkpoint"
[[ "$(ls "$out/job.0/checkpoints")" == "$job0_before" ]] || fail "job 0 was run again"
for job in 0 1 2; do
  same_results "$base/reference/job.$job" "$out/job.$job" "job $job after the interruption" &&
    pass "job $job identical to the uninterrupted launch"
done
finish
