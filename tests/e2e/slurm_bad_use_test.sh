#!/usr/bin/env bash
# Bad use under Slurm is caught, with a clear message and the documented exit code, and the
# job is not requeued: a config path that does not exist on the compute node (2), an
# output directory that cannot be written (2), the restart cap reached (5), and a
# resubmission whose --set overrides change the results of the run it would resume (4).
source "$(dirname "$0")/slurm_lib.sh"

base=$(scratch slurm_bad_use)
template="$EVO_SOURCE_DIR/scripts/sbatch-mpirun.sh"
args=(--set problem.name=noisy_sphere --set problem.dimension=5 --set problem.delay_ms=40
  --set algorithm.population=16 --set run.generations=200)
demo="$EVO_SOURCE_DIR/examples/demo.toml"

missing=$(submit "$base/missing.log" -n 1 "$template" "$base/nowhere/config.toml" "${args[@]}")
touch "$base/a-file"
unwritable=$(submit "$base/unwritable.log" -n 1 "$template" "$demo" "${args[@]}" \
  --out "$base/a-file/out")
# Every start stops after a few seconds (its own --walltime) and asks for a requeue;
# run.max_restarts = 0 refuses the second start.
capped=$(submit "$base/capped.log" -n 1 "$template" "$demo" "${args[@]}" --out "$base/capped" \
  --set run.max_restarts=0 --walltime 7 --set run.walltime_margin=3)
for job in "$missing" "$unwritable" "$capped"; do
  wait_for 120 job_has_ended "$job" || fail "job $job did not end"
done

expect_final "$missing" FAILED 2 "missing config" &&
  grep -q "$base/nowhere/config.toml" "$base/missing.log" ||
  fail "missing config: the log does not name the file"
expect_final "$unwritable" FAILED 2 "unwritable output" &&
  grep -q "run.output: cannot write to '$base/a-file/out'" "$base/unwritable.log" ||
  fail "unwritable output: the log does not say why"
expect_final "$capped" FAILED 5 "restart cap" &&
  grep -q "restarted this job 1 time(s) (SLURM_RESTART_COUNT), more than run.max_restarts = 0" \
    "$base/capped.log" || fail "restart cap: the log does not say why"
for job in "$missing" "$unwritable"; do
  [[ $(job_field "$job" Restarts) == 0 ]] || fail "job $job was requeued after a config error"
done
[[ $(job_field "$capped" Restarts) == 1 ]] || fail "restart cap: $(job_field "$capped" Restarts) restarts"
grep -q "stopped by the wall-time limit" "$base/capped.log" ||
  fail "restart cap: the first start did not stop at its wall-time limit"
# No requeue comes later either.
sleep 8
for job in "$missing" "$unwritable" "$capped"; do
  job_has_ended "$job" || fail "job $job left its final state: $(job_field "$job" JobState)"
done

# The same submission with a result-shaping override changed must not resume the run.
compgen -G "$base/capped/checkpoints/*.h5" >/dev/null || fail "the capped run left no checkpoint"
changed=$(submit "$base/changed.log" -n 1 "$template" "$demo" "${args[@]}" --out "$base/capped" \
  --set algorithm.population=18)
wait_for 60 job_has_ended "$changed" || fail "job $changed did not end"
expect_final "$changed" FAILED 4 "changed --set" &&
  grep -q "config now: algorithm.population = 18" "$base/changed.log" ||
  fail "changed --set: the log does not name the changed key"
((failures > 0)) && tail -n 20 "$base"/*.log >&2
finish
