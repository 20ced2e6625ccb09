#!/usr/bin/env bash
# `evocluster export CKPT` on real checkpoints, without Python: CSV and JSON of the hall of
# fame and the population (header, row counts, the best individual's fitness as `inspect`
# shows it), `-o FILE`; a damaged checkpoint exits 3 naming the file and leaves an existing
# output file as it was; bad options exit 2 naming the option. (tests/python/test_export.py
# proves the exact round trip.)
source "$(dirname "$0")/lib.sh"

base=$(scratch export)
config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=sphere --set problem.dimension=4
  --set genome.lower=-5.12 --set genome.upper=5.12 --set algorithm.population=30
  --set run.generations=4 --set checkpoint.every_generations=2)
evo_run 2 "${config[@]}" --out "$base/single" >"$base/single.log" 2>&1 || fail "single run failed"
evo_run 2 "${config[@]}" --set problem.name=zdt1 --set algorithm.name=nsga2 \
  --set genome.lower=0 --set genome.upper=1 --out "$base/multi" >"$base/multi.log" 2>&1 ||
  fail "multi-objective run failed"
ckpt=$(newest_checkpoint "$base/single")
multi=$(newest_checkpoint "$base/multi")

"$EVO_BIN" export "$ckpt" >"$base/hof.csv" || fail "export exited $?"
header=$(head -n 1 "$base/hof.csv")
[[ $header == fitness_0,gene_0,gene_1,gene_2,gene_3 ]] || fail "hall of fame header: $header"
rows=$(($(wc -l <"$base/hof.csv") - 1))
[[ $rows == 10 ]] && pass "hall of fame: 10 rows of fitness_0 and 4 genes" ||
  fail "hall of fame rows: $rows"
best=$(sed -n 2p "$base/hof.csv" | cut -d, -f1)
shown=$("$EVO_BIN" inspect "$ckpt" | sed -n 's/^hall of fame.*best fitness \[\([^]]*\)\].*/\1/p')
[[ $(printf '%.6g' "$best") == "$shown" ]] && pass "first row is the best, as inspect shows" ||
  fail "first row fitness $best, inspect shows $shown"

"$EVO_BIN" export "$ckpt" --what population --format csv -o "$base/pop.csv" >"$base/stdout" ||
  fail "export -o exited $?"
[[ ! -s $base/stdout ]] || fail "export -o also wrote to stdout"
rows=$(($(wc -l <"$base/pop.csv") - 1))
[[ $rows == 30 ]] && pass "population: 30 rows into -o FILE" || fail "population rows: $rows"
compgen -G "$base/pop.csv.tmp*" >/dev/null && fail "export left a temporary file"

"$EVO_BIN" export "$multi" --format json >"$base/front.json" || fail "json export exited $?"
grep -q '"objectives": 2,' "$base/front.json" && grep -q '"what": "hall_of_fame",' "$base/front.json" &&
  grep -q '{"fitness": \[[^],]*, [^],]*\], "genome": \[' "$base/front.json" &&
  pass "multi-objective JSON: two fitness values and the genome per individual" ||
  fail "multi-objective JSON: $(head -c 400 "$base/front.json")"
header=$("$EVO_BIN" export "$multi" | head -n 1)
[[ $header == fitness_0,fitness_1,gene_0,* ]] && pass "multi-objective CSV header" ||
  fail "multi-objective CSV header: $header"

# A damaged checkpoint: exit 3 naming the file; the earlier export is still there, whole.
cp "$ckpt" "$base/damaged.h5"
printf 'X' | dd of="$base/damaged.h5" bs=1 seek=2000 conv=notrunc status=none
cp "$base/pop.csv" "$base/pop.before"
rc=0
"$EVO_BIN" export "$base/damaged.h5" -o "$base/pop.csv" 2>"$base/damaged.err" || rc=$?
if [[ $rc == 3 ]] && grep -q "damaged.h5.*checksum mismatch" "$base/damaged.err"; then
  pass "damaged checkpoint: exit 3 naming the file and the checksum"
else
  fail "damaged checkpoint: exit $rc: $(cat "$base/damaged.err")"
fi
cmp -s "$base/pop.csv" "$base/pop.before" || fail "a failed export changed the output file"
rc=0
"$EVO_BIN" export "$base/missing.h5" 2>"$base/missing.err" || rc=$?
[[ $rc == 3 ]] && grep -q "missing.h5" "$base/missing.err" && pass "missing file: exit 3" ||
  fail "missing file: exit $rc: $(cat "$base/missing.err")"

for bad in "--what genomes" "--format xml"; do
  rc=0
  # shellcheck disable=SC2086
  "$EVO_BIN" export "$ckpt" $bad >"$base/bad.out" 2>&1 || rc=$?
  [[ $rc == 2 ]] && grep -q -- "${bad% *}" "$base/bad.out" && pass "export $bad: exit 2 naming it" ||
    fail "export $bad: exit $rc: $(cat "$base/bad.out")"
done
rc=0
"$EVO_BIN" export "$ckpt" -o "$base/no/such/dir/out.csv" 2>"$base/nodir.err" || rc=$?
[[ $rc == 1 ]] && grep -q "out.csv" "$base/nodir.err" && pass "unwritable output: exit 1 naming it" ||
  fail "unwritable output: exit $rc: $(cat "$base/nodir.err")"
finish
