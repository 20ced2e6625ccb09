#!/usr/bin/env bash
# run.jobs = 3 under Slurm (scripts/sbatch-mpirun.sh), interrupted in the middle of job 1
# the way Slurm's --signal=B:USR1 warning does it (USR1 to the batch shell only): the
# template forwards it, the ranks checkpoint and exit 85, the template requeues the job;
# the restarted launch finishes job 1 from its checkpoint, then runs job 2, and never runs
# job 0 again; each job equals the same job of an uninterrupted plain mpirun run.
source "$(dirname "$0")/slurm_lib.sh"

base=$(scratch slurm_jobs)
args=("$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=noisy_sphere
  --set problem.dimension=5 --set problem.delay_ms=40 --set algorithm.population=16
  --set run.generations=10 --set checkpoint.every_generations=2 --set run.jobs=3)

evo_run 3 run "${args[@]}" --out "$base/reference" >"$base/reference.log" 2>&1 &
reference=$!

log="$base/job.log"
job=$(submit "$log" -n 1 "$EVO_SOURCE_DIR/scripts/sbatch-mpirun.sh" "${args[@]}" --out "$base/out")
echo "submitted job $job"
in_job_1() { grep -q "^job 1 gen *[3-7] " "$log" 2>/dev/null; }
wait_for 90 in_job_1 || fail "the job never reached the middle of job 1"
job0_before=$(ls "$base/out/job.0/checkpoints")
scancel --batch --signal=USR1 "$job" || fail "scancel --batch --signal=USR1 refused"
wait_for 150 job_has_ended "$job" || fail "job $job did not end"
wait "$reference" || fail "the plain mpirun run failed"

expect_final "$job" COMPLETED 0 "3 jobs, requeued in job 1"
if grep -q "stopped by SIGUSR1 .*exit 85" "$log" &&
  grep -q "checkpointed (exit 85): requeueing job $job" "$log"; then
  pass "the batch shell forwarded USR1: checkpoint, exit 85, requeued by the script"
else
  fail "USR1 to the batch shell did not end in a checkpoint, exit 85 and a requeue"
fi
# The debug partition has no time limit (MaxTime=INFINITE): nothing to announce or guard,
# although squeue gives such a job an end time a year ahead.
if grep -q "wall-time limit in" "$log"; then
  fail "a job without a time limit announced one: $(grep -m1 "wall-time limit in" "$log")"
fi
[[ $(job_field "$job" Restarts) == 1 ]] || fail "Restarts=$(job_field "$job" Restarts), expected 1"
grep -q "resuming from .*job.1/checkpoints/.*(job 1, generation [1-9]" "$log" &&
  pass "the restart resumed job 1 from its checkpoint" ||
  fail "the restart did not resume job 1 from its checkpoint"
[[ "$(ls "$base/out/job.0/checkpoints")" == "$job0_before" ]] || fail "job 0 was run again"
grep -q "^job 2 gen *10 " "$log" || fail "job 2 was not run after job 1"
for j in 0 1 2; do
  same_results "$base/reference/job.$j" "$base/out/job.$j" "job $j" &&
    pass "job $j identical to the uninterrupted run"
done
((failures > 0)) && cat "$log" >&2
finish
