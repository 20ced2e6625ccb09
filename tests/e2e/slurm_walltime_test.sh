#!/usr/bin/env bash
# The wall-time guard under Slurm, srun --mpi=pmix launch (scripts/sbatch-srun.sh): a job
# with a 1-minute limit and a run that needs longer learns its end time from Slurm,
# checkpoints run.walltime_margin before it and exits 85; the script requeues it, and the
# second start finishes identical to a plain mpirun run. Slurm's own USR1 warning is set
# to come later than the guard, so the guard alone does the work.
source "$(dirname "$0")/slurm_lib.sh"

base=$(scratch slurm_walltime)
args=("$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=noisy_sphere
  --set problem.dimension=5 --set problem.delay_ms=50 --set algorithm.population=24
  --set run.generations=40 --set checkpoint.every_generations=10
  --set run.walltime_margin=42)

evo_run 3 run "${args[@]}" --out "$base/reference" >"$base/reference.log" 2>&1 &
reference=$!

log="$base/job.log"
# The USR1 warning comes up to ~30 s before its nominal 5 s, so after the guard's 42 s.
job=$(submit "$log" -n 1 --time=1 --signal=B:USR1@5 "$EVO_SOURCE_DIR/scripts/sbatch-srun.sh" \
  "${args[@]}" --out "$base/out")
echo "submitted job $job (time limit $(job_field "$job" TimeLimit))"
wait_for 150 job_has_ended "$job" || fail "job $job did not end"
wait "$reference" || fail "the plain mpirun run failed"

expect_final "$job" COMPLETED 0 "wall-time guard"
grep -q "wall-time limit in [0-9]* s from Slurm job $job" "$log" ||
  fail "evocluster did not learn the end time from Slurm"
if grep -q "stopped by the wall-time limit .*exit 85" "$log" &&
  grep -q "checkpointed (exit 85): requeueing job $job" "$log"; then
  pass "checkpointed before the limit, exit 85, requeued by the script"
else
  fail "no stop by the wall-time guard with exit 85 and a requeue"
fi
grep -q "SIGUSR1" "$log" && fail "Slurm's USR1 warning stopped the run, not the guard"
grep -q "DUE TO TIME LIMIT" "$log" && fail "Slurm killed the job at its time limit"
grep -q "resuming from .*(job 0, generation [1-9]" "$log" ||
  fail "the second start did not resume from the guard's checkpoint"
[[ $(job_field "$job" Restarts) == 1 ]] || fail "Restarts=$(job_field "$job" Restarts), expected 1"
same_results "$base/reference" "$base/out" "stopped by the wall-time guard" &&
  pass "final state identical to a plain mpirun run"
((failures > 0)) && cat "$log" >&2
finish
