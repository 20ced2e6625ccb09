#!/usr/bin/env bash
# Real preemption on the local Slurm (PreemptType=preempt/partition_prio, PreemptMode=
# REQUEUE, GraceTime=45 for this test): an evocluster job in the preemptible partition
# `low`, holding every CPU, is preempted by a job in `high`. Under mpirun it gets no signal
# before the final SIGTERM, but Slurm moves its end time to the end of the grace time: the
# wall-time guard sees that (it asks Slurm again every 30 s), checkpoints and exits 85 in
# good time, the template requeues it, it starts again once the high job is done, resumes
# from its checkpoint and finishes identical to a plain mpirun run.
source "$(dirname "$0")/slurm_lib.sh"

grace_before=$(scontrol -o show partition low | tr ' ' '\n' | sed -n 's/^GraceTime=//p')
scontrol update PartitionName=low GraceTime=45 || fail "cannot set the partition's GraceTime"
trap 'scontrol update PartitionName=low GraceTime="$grace_before"' EXIT

base=$(scratch slurm_preempt)
args=("$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=noisy_sphere
  --set problem.dimension=5 --set problem.delay_ms=50 --set algorithm.population=16
  --set run.generations=100 --set checkpoint.every_generations=10
  --set run.walltime_margin=40)
cpus=$(sinfo -h -N -p low -o %c | head -n 1)

evo_run 3 run "${args[@]}" --out "$base/reference" >"$base/reference.log" 2>&1 &
reference=$!

log="$base/job.log"
# A time limit, or Slurm has no end time to move.
job=$(submit "$log" -p low -n "$cpus" --time=10 "$EVO_SOURCE_DIR/scripts/sbatch-mpirun.sh" \
  "${args[@]}" --out "$base/out")
echo "submitted job $job to partition low ($cpus CPUs)"
at=$((4 + RANDOM % 6))
wait_for 90 log_has_generation "$log" "$at" || fail "the low job never reached generation $at"
high=$(submit "$base/high.log" -p high -n "$cpus" --wrap "sleep 4")
echo "generation $at: submitted job $high to partition high"
wait_for 60 job_has_ended "$high" || fail "the high job did not run"
wait_for 150 job_has_ended "$job" || fail "job $job did not end"
wait "$reference" || fail "the plain mpirun run failed"

expect_final "$high" COMPLETED 0 "preempting job"
expect_final "$job" COMPLETED 0 "preempted job"
if grep -q "wall-time limit moved: now in [0-9]* s" "$log" &&
  grep -q "stopped by the wall-time limit .*exit 85" "$log" &&
  grep -q "checkpointed (exit 85): requeueing job $job" "$log"; then
  pass "the guard saw the grace time: checkpoint, exit 85, requeued by the script"
else
  fail "the guard did not stop the run within the grace time"
fi
grep -q "DUE TO PREEMPTION" "$log" && fail "Slurm had to kill the job at the end of its grace time"
(($(job_field "$job" Restarts) >= 1)) || fail "the preempted job was not requeued"
# It ran again only after the high job.
high_end=$(date -d "$(job_field "$high" EndTime)" +%s)
low_start=$(date -d "$(job_field "$job" StartTime)" +%s)
((low_start >= high_end)) && pass "the preempted job started again after the high job" ||
  fail "the preempted job started again at $(job_field "$job" StartTime), before the high job ended"
grep -q "resuming from .*(job 0, generation [1-9]" "$log" &&
  pass "resumed from: $(grep -o 'resuming from .*' "$log" | tail -n 1)" ||
  fail "the restart did not resume from a checkpoint past generation 0"
same_results "$base/reference" "$base/out" "preempted" &&
  pass "final state identical to a plain mpirun run"
((failures > 0)) && cat "$log" >&2
finish
