#!/usr/bin/env bash
# What `run` does with an output directory that already holds checkpoints: continue,
# extend, refuse (exit 3 / 4), start over with --fresh, or resume a named checkpoint;
# and `inspect` / `verify` on the files.
source "$(dirname "$0")/lib.sh"

base=$(scratch resume-semantics)
config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.dimension=6
  --set algorithm.population=30 --set checkpoint.every_generations=5 --set checkpoint.keep=10)

evo_run 3 "${config[@]}" --set run.generations=30 --out "$base/straight" >/dev/null 2>&1 ||
  fail "straight 30-generation run failed"

# A finished run, started again, does nothing and exits 0.
evo_run 3 "${config[@]}" --set run.generations=20 --out "$base/extended" >/dev/null 2>&1 ||
  fail "20-generation run failed"
count_before=$(ls "$base/extended/checkpoints" | wc -l)
rc=0
evo_run 3 "${config[@]}" --set run.generations=20 --out "$base/extended" >"$base/again.log" 2>&1 || rc=$?
if [[ $rc == 0 ]] && grep -q "already finished" "$base/again.log" &&
  [[ $(ls "$base/extended/checkpoints" | wc -l) == "$count_before" ]]; then
  pass "a finished run started again exits 0 and writes nothing"
else
  fail "rerun of a finished run: exit $rc"; cat "$base/again.log" >&2
fi

# run.generations may grow on resume: 20 then 30 equals 30 straight.
evo_run 3 "${config[@]}" --set run.generations=30 --out "$base/extended" >"$base/extend.log" 2>&1 ||
  fail "extending to 30 generations failed"
same_results "$base/straight" "$base/extended" "20 then extended to 30 vs 30 straight" &&
  pass "extending run.generations on resume gives the straight run's result"

# A key that shapes results may not change: exit 4, naming the key.
rc=0
evo_run 2 "${config[@]}" --set run.generations=30 --set run.seed=7 --out "$base/extended" \
  >"$base/incompatible.log" 2>&1 || rc=$?
if [[ $rc == 4 ]] && grep -q "seed = 7" "$base/incompatible.log"; then
  pass "changed seed on resume: exit 4 naming the key"
else
  fail "changed seed on resume: exit $rc"; cat "$base/incompatible.log" >&2
fi

# ... unless the experimenter explicitly allows it.
cp -r "$base/extended" "$base/allowed"
rc=0
evo_run 2 "${config[@]}" --set run.generations=35 --set algorithm.mutation_prob=0.5 \
  --allow-config-change --out "$base/allowed" >"$base/allowed.log" 2>&1 || rc=$?
if [[ $rc == 0 ]] && grep -q "allow-config-change: resuming" "$base/allowed.log" &&
  grep -q "algorithm.mutation_prob = 0.5" "$base/allowed.log"; then
  pass "--allow-config-change resumes under a changed config, loudly"
else
  fail "--allow-config-change: exit $rc"; cat "$base/allowed.log" >&2
fi

# --resume a named, older checkpoint: finishes identical to the straight run.
older=$(ls "$base/extended/checkpoints"/ckpt-*.h5 | sort | sed -n 2p)
cp -r "$base/extended" "$base/named"
rm -f "$base/named/checkpoints"/*
evo_run 4 "${config[@]}" --set run.generations=30 --out "$base/named" --resume "$older" \
  >"$base/named.log" 2>&1 || fail "--resume $older failed"
same_results "$base/straight" "$base/named" "--resume $(basename "$older")" &&
  pass "--resume of an older checkpoint finishes identical"

# --resume of an older checkpoint into the directory that holds the newer ones would rewind
# the run (later checkpoints pruned, logbook cut back): refused, exit 2, nothing touched.
rows_before=$(wc -l <"$base/extended/logbook.csv")
listing_before=$(ls "$base/extended/checkpoints")
rc=0
evo_run 2 "${config[@]}" --set run.generations=30 --out "$base/extended" --resume "$older" \
  >"$base/rewind.log" 2>&1 || rc=$?
if [[ $rc == 2 ]] && grep -q "would rewind the run" "$base/rewind.log" &&
  grep -q -- "--out DIR" "$base/rewind.log" &&
  [[ $(wc -l <"$base/extended/logbook.csv") == "$rows_before" ]] &&
  [[ $(ls "$base/extended/checkpoints") == "$listing_before" ]]; then
  pass "--resume of an older checkpoint over a newer one: exit 2, logbook and checkpoints kept"
else
  fail "--resume rewinding a finished run: exit $rc"; cat "$base/rewind.log" >&2
fi

# --resume of a missing file: exit 3 naming it, before the output directory or a lock exists.
rc=0
evo_run 2 "${config[@]}" --out "$base/never-created" --resume "$base/no-such.h5" \
  >"$base/missing.log" 2>&1 || rc=$?
if [[ $rc == 3 ]] && grep -q "no-such.h5: no such file" "$base/missing.log" &&
  [[ ! -e $base/never-created ]]; then
  pass "--resume of a missing file: exit 3 naming it, nothing created"
else
  fail "--resume of a missing file: exit $rc, out dir $(ls -d "$base/never-created" 2>&1)"
  cat "$base/missing.log" >&2
fi

# inspect and verify.
newest=$(newest_checkpoint "$base/extended")
if "$EVO_BIN" verify "$newest" >/dev/null && "$EVO_BIN" inspect "$newest" | grep -q "generation"; then
  pass "verify and inspect accept an intact checkpoint"
else
  fail "verify/inspect of an intact checkpoint"
fi

# Every checkpoint damaged: exit 3, never a silent fresh start.
cp -r "$base/extended" "$base/damaged"
for file in "$base/damaged/checkpoints"/*.h5; do
  printf 'garbage' | dd of="$file" bs=1 seek=2000 conv=notrunc status=none
done
if "$EVO_BIN" verify "$newest" >/dev/null && ! "$EVO_BIN" verify "$(newest_checkpoint "$base/damaged")" >/dev/null; then
  pass "verify tells a damaged checkpoint from an intact one"
else
  fail "verify did not detect a damaged checkpoint"
fi
rc=0
evo_run 2 "${config[@]}" --set run.generations=40 --out "$base/damaged" >"$base/damaged.log" 2>&1 || rc=$?
if [[ $rc == 3 ]] && grep -q "none is intact" "$base/damaged.log"; then
  pass "no intact checkpoint: exit 3"
else
  fail "all checkpoints damaged: exit $rc"; cat "$base/damaged.log" >&2
fi

# Only the newest damaged: falls back to the previous one, loudly, and still finishes identical.
cp -r "$base/extended" "$base/fallback"
rm -f "$base/fallback/checkpoints"/$(basename "$newest")
evo_run 2 "${config[@]}" --set run.generations=40 --out "$base/fallback" >/dev/null 2>&1
victim=$(newest_checkpoint "$base/fallback")
truncate -s 3000 "$victim"
evo_run 2 "${config[@]}" --set run.generations=40 --out "$base/fallback" >"$base/fallback.log" 2>&1 ||
  fail "fallback resume failed"
evo_run 2 "${config[@]}" --set run.generations=40 --out "$base/straight40" >/dev/null 2>&1
if grep -q "skipping damaged checkpoint.*$(basename "$victim")" "$base/fallback.log"; then
  pass "a damaged newest checkpoint is reported and skipped"
else
  fail "damaged newest checkpoint not reported"; cat "$base/fallback.log" >&2
fi
same_results "$base/straight40" "$base/fallback" "fallback to previous checkpoint" &&
  pass "resume from the previous intact checkpoint finishes identical"

# --fresh starts over and keeps the earlier results aside.
evo_run 2 "${config[@]}" --set run.generations=30 --set run.seed=7 --out "$base/extended" --fresh \
  >/dev/null 2>&1 || fail "--fresh run failed"
if compgen -G "$base/extended/previous-*/checkpoints/ckpt-*.h5" >/dev/null &&
  [[ "$(h5_attribute "$(newest_checkpoint "$base/extended")" seed)" == 7 ]]; then
  pass "--fresh starts over and moves earlier results to previous-*/"
else
  fail "--fresh did not archive and restart"
fi
finish
