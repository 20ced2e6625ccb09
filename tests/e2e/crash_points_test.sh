#!/usr/bin/env bash
# Crash-point enumeration: the master is killed (SIGKILL, by the EVO_CRASH_AT test hook) at
# every named step of the checkpoint commit protocol and in the middle of a journal write.
# Every case must leave only intact checkpoints behind, resume from the old or the new
# one, and finish identical to the uninterrupted run.
source "$(dirname "$0")/lib.sh"

base=$(scratch crash-points)
config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=noisy_sphere
  --set problem.dimension=6 --set problem.delay_ms=1 --set algorithm.population=30
  --set run.generations=16 --set checkpoint.every_generations=3 --set checkpoint.keep=2)

evo_run 3 "${config[@]}" --out "$base/reference" >"$base/reference.log" 2>&1 ||
  fail "reference run failed"

stages=(tmp_open tmp_partial tmp_written tmp_synced renamed committed pruning journal)
for stage in "${stages[@]}"; do
  out="$base/$stage"
  # The third checkpoint (pruning starts once keep = 2 is exceeded); the 20th journal write
  # of at least two records (the hook tears its last record and leaves the others whole).
  occurrence=3
  [[ $stage == journal ]] && occurrence=20
  rc=0
  EVO_CRASH_AT="$stage:$occurrence" evo_run 3 "${config[@]}" --out "$out" >"$out.log" 2>&1 || rc=$?
  if [[ $rc == 0 ]]; then
    fail "$stage: the run was not killed (crash point never reached?)"
    continue
  fi
  damaged=0
  for file in "$out"/checkpoints/ckpt-*.h5; do
    "$EVO_BIN" verify "$file" >/dev/null || damaged=$((damaged + 1))
  done
  if ((damaged > 0)); then
    fail "$stage: $damaged checkpoint file(s) under a final name are not intact"
    continue
  fi
  if ! evo_run 3 "${config[@]}" --out "$out" >>"$out.log" 2>&1; then
    fail "$stage: restart failed"
    tail -n 20 "$out.log" >&2
    continue
  fi
  if compgen -G "$out/checkpoints/*.tmp" >/dev/null; then
    fail "$stage: a .tmp file was left behind after the restart"
  fi
  resumed=$(grep -o "resuming from [^ ]*" "$out.log" | head -n 1)
  if [[ -z $resumed ]]; then
    fail "$stage: the restart did not resume from a checkpoint"
    continue
  fi
  same_results "$base/reference" "$out" "$stage" &&
    pass "$stage: killed (exit $rc), ${resumed#resuming from }, identical"
  if [[ $stage == journal ]] && ! grep -q "recovered [0-9]* finished evaluations" "$out.log"; then
    fail "journal: no evaluations were recovered from the journal after the kill"
  fi
done
finish
