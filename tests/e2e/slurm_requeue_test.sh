#!/usr/bin/env bash
# sbatch of scripts/sbatch-mpirun.sh on the local Slurm, `scontrol requeue` twice at random
# moments: each time Slurm restarts the job (SLURM_RESTART_COUNT 1, then 2), the run
# resumes from its checkpoint (the log says from which generation, never 0), the --set
# overrides given to sbatch come back, and the final state equals a plain mpirun run.
source "$(dirname "$0")/slurm_lib.sh"

base=$(scratch slurm_requeue)
args=("$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=noisy_sphere
  --set problem.dimension=5 --set problem.delay_ms=50 --set algorithm.population=24
  --set run.generations=36 --set checkpoint.every_generations=1)

# The reference runs alongside: evaluations sleep, they do not compete for the CPUs.
evo_run 3 run "${args[@]}" --out "$base/reference" >"$base/reference.log" 2>&1 &
reference=$!

log="$base/job.log"
job=$(submit "$log" -n 1 "$EVO_SOURCE_DIR/scripts/sbatch-mpirun.sh" "${args[@]}" --out "$base/out")
echo "submitted job $job"
for round in 1 2; do
  # A random generation of the launch in progress: 3..10 more than the first requeue's.
  at=$((round * 10 - 7 + RANDOM % 8))
  if ! wait_for 90 log_has_generation "$log" "$at"; then
    fail "requeue $round: the job never reached generation $at"
    break
  fi
  echo "requeue $round at generation $at"
  scontrol requeue "$job" || fail "scontrol requeue $job refused"
  wait_for 60 running_with_restarts "$job" "$round" || fail "requeue $round: not restarted"
done
wait_for 150 job_has_ended "$job" || fail "job $job did not end"
wait "$reference" || fail "the plain mpirun run failed"

expect_final "$job" COMPLETED 0 "requeued twice"
[[ $(job_field "$job" Restarts) == 2 ]] || fail "Restarts=$(job_field "$job" Restarts), expected 2"
grep -q "start 3 (restarts: 2)" "$log" || fail "the log does not show SLURM_RESTART_COUNT=2"
grep -q "Slurm restart 2 of at most 10" "$log" || fail "evocluster did not see the restart count"
resumed=$(grep -c "resuming from .*(job 0, generation [1-9][0-9]*" "$log" || true)
if [[ $resumed == 2 ]]; then
  pass "both restarts resumed from a checkpoint:"
  grep "resuming from" "$log"
else
  fail "expected 2 resumes from a checkpoint past generation 0, the log shows $resumed"
fi
grep -q "DUE TO JOB REQUEUE" "$log" || fail "the log (--open-mode=append) lost the first launch"
# The overrides came back on every start: the resumed run would have been refused (exit 4)
# or would differ otherwise.
same_results "$base/reference" "$base/out" "requeued twice" &&
  pass "final state identical to a plain mpirun run"
((failures > 0)) && cat "$log" >&2
finish
