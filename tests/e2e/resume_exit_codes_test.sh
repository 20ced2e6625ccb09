#!/usr/bin/env bash
# Exit codes of a resume, as the README table has them: a checkpoint that is invalid
# (unreadable, or contradicting itself: here an all-zero /rng, edited with h5py and
# resealed) is exit 3 with --resume and skipped by an automatic resume (exit 3 when no
# intact one is left); a valid checkpoint that does not fit the run's config (another
# algorithm's /algorithm state, another seed, another shape, another job's file, copied or
# with its job attribute edited with h5py and resealed) is exit 4
# with --resume and with an automatic resume alike, also under --allow-config-change where
# the difference cannot be taken on. Every case on 2 ranks; every rank exits, none is left.
source "$(dirname "$0")/lib.sh"

base=$(scratch resume-exit-codes)
trap 'rm -rf "$base"' EXIT
config="$base/exit-codes.toml"
cat >"$config" <<'TOML'
[run]
seed = 7
generations = 4

[problem]
name = "sphere"
dimension = 6

[algorithm]
name = "simple"
population = 10

[checkpoint]
every_generations = 2
keep = 10
TOML

evo_run 2 run "$config" --out "$base/run" >"$base/run.log" 2>&1 </dev/null ||
  fail "the base run failed: $(tail -n 3 "$base/run.log")"
mapfile -t checkpoints < <(ls "$base/run/checkpoints"/ckpt-*.h5 | sort)
newest=${checkpoints[-1]}

# A copy of the base run's directory with only its oldest ... newest checkpoints kept.
copy_run() {
  local to=$1 keep_from=$2
  cp -a "$base/run" "$to"
  local index=0
  for file in "$to"/checkpoints/ckpt-*.h5; do
    ((index < keep_from)) && rm "$file"
    index=$((index + 1))
  done
}

# expect CODE LABEL TEXT ARGS...: `evocluster ARGS` on 2 ranks exits CODE, says TEXT, and
# leaves no rank behind.
expect() {
  local code=$1 label=$2 text=$3
  shift 3
  local rc=0 log="$base/${label//[^A-Za-z0-9]/_}.log"
  timeout 60 mpirun --oversubscribe -np 2 "$EVO_BIN" "$@" >"$log" 2>&1 </dev/null || rc=$?
  if ((rc != code)); then
    fail "$label: exit $rc, expected $code: $(grep -m2 'error\|warn' "$log")"
  elif ! grep -qF -- "$text" "$log"; then
    fail "$label: exit $code but the message does not say '$text': $(head -c 600 "$log")"
  elif pgrep -f -- "$config" >/dev/null; then
    fail "$label: ranks left: $(pgrep -af -- "$config")"
  else
    pass "$label: exit $code, '$text'"
  fi
}

# --- invalid: an all-zero /rng, resealed so that only the validator can tell ---------------
zero_rng="$base/rng-all-zero.h5"
cp "$newest" "$zero_rng"
/usr/bin/python3 - "$zero_rng" "$EVO_SOURCE_DIR/tests/e2e" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import h5py
from crafted_checkpoints import reseal
with h5py.File(sys.argv[1], "r+") as f:
    f["rng/state"][...] = 0
reseal(sys.argv[1])
PY
rc=0
"$EVO_BIN" verify "$zero_rng" >"$base/verify.log" 2>&1 || rc=$?
((rc == 3)) && grep -q "/rng/state" "$base/verify.log" && pass "verify: all-zero /rng is exit 3" ||
  fail "verify of an all-zero /rng: exit $rc: $(cat "$base/verify.log")"
copy_run "$base/zero-explicit" 0
expect 3 "all-zero /rng, --resume" "/rng/state" run "$config" --set run.generations=6 \
  --out "$base/zero-explicit" --resume "$zero_rng"
# Automatic resume: the only checkpoint is the invalid one.
copy_run "$base/zero-alone" $((${#checkpoints[@]} - 1))
cp "$zero_rng" "$base/zero-alone/checkpoints/$(basename "$newest")"
expect 3 "all-zero /rng, the only checkpoint" "none is intact" run "$config" \
  --set run.generations=6 --out "$base/zero-alone"
# ... and with an older intact one: skipped, loudly, and the run finishes.
copy_run "$base/zero-fallback" 0
cp "$zero_rng" "$base/zero-fallback/checkpoints/$(basename "$newest")"
expect 0 "all-zero /rng, an older one intact" "skipping damaged checkpoint" run "$config" \
  --set run.generations=6 --out "$base/zero-fallback"

# --- incompatible: valid files that do not fit the run's config ----------------------------
copy_run "$base/other-algorithm" 0
expect 4 "another algorithm's state, automatic" "algorithm.name" run "$config" \
  --set algorithm.name=de --out "$base/other-algorithm"
expect 4 "another algorithm's state, --resume" "algorithm.name" run "$config" \
  --set algorithm.name=de --out "$base/other-algorithm" --resume "$newest"
expect 4 "another algorithm's state, --allow-config-change" \
  "checkpoint holds the state of algorithm 'simple', the config asks for 'de'" run "$config" \
  --set algorithm.name=de --allow-config-change --out "$base/other-algorithm"
copy_run "$base/other-seed" 0
expect 4 "another seed, automatic" "run.seed = 8" run "$config" --set run.seed=8 \
  --out "$base/other-seed"
expect 4 "another seed, --resume" "run.seed = 8" run "$config" --set run.seed=8 \
  --out "$base/other-seed" --resume "$newest"
copy_run "$base/other-shape" 0
expect 4 "another dimension, automatic" "problem.dimension = 5" run "$config" \
  --set problem.dimension=5 --out "$base/other-shape"
expect 4 "another dimension, --allow-config-change" "config expects" run "$config" \
  --set problem.dimension=5 --allow-config-change --out "$base/other-shape"
expect 4 "another population, --allow-config-change --resume" "config expects" run "$config" \
  --set algorithm.population=12 --allow-config-change --out "$base/other-shape" \
  --resume "$newest"
# A job's directory holding another job's checkpoint (a valid file, copied to the wrong
# place): exit 4, not a silent continuation of the wrong job.
jobs_out="$base/wrong-job"
evo_run 2 run "$config" --set run.jobs=2 --set run.generations=2 --out "$jobs_out" \
  >"$base/jobs.log" 2>&1 </dev/null || fail "the two-job run failed: $(tail -n 3 "$base/jobs.log")"
job1_file="$base/job1.h5"
cp "$(ls "$jobs_out"/job.1/checkpoints/ckpt-*.h5 | sort | tail -n 1)" "$job1_file"
rm -f "$jobs_out"/job.1/checkpoints/*
cp "$(ls "$jobs_out"/job.0/checkpoints/ckpt-*.h5 | sort | tail -n 1)" "$jobs_out/job.1/checkpoints/"
expect 4 "job 0's checkpoint in job 1's directory" "holds job 0, but it is in the directory of job 1" \
  run "$config" --set run.jobs=2 --set run.generations=3 --out "$jobs_out"
# The same, made with h5py: job 0's newest file, its job attribute set to 1 (valid for
# run.jobs = 2, so only its place contradicts it) and resealed, in job 0's directory.
edited_out="$base/edited-job"
mkdir -p "$edited_out/job.0"
cp -a "$jobs_out/job.0/checkpoints" "$edited_out/job.0/"
edited=$(ls "$edited_out"/job.0/checkpoints/ckpt-*.h5 | sort | tail -n 1)
/usr/bin/python3 - "$edited" "$EVO_SOURCE_DIR/tests/e2e" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import h5py
from crafted_checkpoints import reseal, set_attr
with h5py.File(sys.argv[1], "r+") as f:
    set_attr(f, "job", 1)
reseal(sys.argv[1])
PY
expect 4 "job attribute 1 edited into job 0's file" "holds job 1, but it is in the directory of job 0" \
  run "$config" --set run.jobs=2 --set run.generations=3 --out "$edited_out"
# --resume of a job the config does not have.
expect 4 "--resume of job 1 with run.jobs = 1" "belongs to job 1, but run.jobs = 1" run "$config" \
  --set run.generations=3 --allow-config-change --out "$base/one-job" \
  --resume "$job1_file"
finish
