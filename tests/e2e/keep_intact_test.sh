#!/usr/bin/env bash
# checkpoint.keep counts intact checkpoints only. A run with keep = 2 writes checkpoints
# g1..g4; the newest (g4) is then damaged; the relaunch with more generations resumes from
# g3, loudly skipping g4, and its next checkpoint must not delete g3 because of the
# damaged file: after the first new checkpoint, g3, the damaged g4 and the new one exist;
# at the end exactly keep = 2 intact checkpoints remain and the damaged file is gone
# (it became older than the second intact one). The result equals an uninterrupted run.
source "$(dirname "$0")/lib.sh"

base=$(scratch keep-intact)
config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.dimension=5
  --set algorithm.population=20 --set checkpoint.every_generations=1 --set checkpoint.keep=2)

evo_run 2 "${config[@]}" --set run.generations=6 --out "$base/reference" >"$base/reference.log" 2>&1 ||
  { fail "reference run failed"; cat "$base/reference.log" >&2; finish; }
evo_run 2 "${config[@]}" --set run.generations=4 --out "$base/run" >"$base/first.log" 2>&1 ||
  { fail "first run failed"; cat "$base/first.log" >&2; finish; }
damaged=$(newest_checkpoint "$base/run")
size=$(stat -c %s "$damaged")
printf '\xff' | dd of="$damaged" bs=1 seek=$((size / 2)) conv=notrunc status=none
previous=$(ls "$base/run/checkpoints"/ckpt-*.h5 | sort | tail -n 2 | head -n 1)

# The same command again: it redoes generation 4, one new checkpoint after the skipped one.
evo_run 2 "${config[@]}" --set run.generations=4 --out "$base/run" >"$base/second.log" 2>&1 ||
  { fail "relaunch failed"; cat "$base/second.log" >&2; finish; }
if ! grep -q "resuming from [^ ]*/$(basename "$previous") " "$base/second.log"; then
  fail "the relaunch did not resume from $(basename "$previous")"
  grep -i "resum\|damaged\|skip" "$base/second.log" >&2
elif [[ -e $previous && -e $damaged ]]; then
  pass "keep = 2 with a damaged newest: $(basename "$previous") (intact) is kept next to the damaged one and the new one"
else
  fail "an intact checkpoint was pruned because of the damaged one: $(ls "$base/run/checkpoints" | tr '\n' ' ')"
fi

evo_run 2 "${config[@]}" --set run.generations=6 --out "$base/run" >"$base/third.log" 2>&1 ||
  { fail "final relaunch failed"; cat "$base/third.log" >&2; finish; }
intact=0
for file in "$base/run/checkpoints"/ckpt-*.h5; do
  "$EVO_BIN" verify "$file" >/dev/null 2>&1 && intact=$((intact + 1))
done
if [[ ! -e $damaged && $intact == 2 && $(ls "$base/run/checkpoints"/ckpt-*.h5 | wc -l) == 2 ]]; then
  pass "at the end: 2 intact checkpoints, the damaged one removed once older than both"
else
  fail "at the end: $intact intact of $(ls "$base/run/checkpoints" | tr '\n' ' ')"
fi
same_results "$base/reference" "$base/run" "keep with a damaged newest" &&
  pass "keep with a damaged newest: identical to the uninterrupted run"
finish
