#!/usr/bin/env bash
# `evocluster inspect` of a real CMA-ES checkpoint (12 genes, long state array names): every
# value starts in one column; `--genes all` shows the whole genome of the best individual,
# the same numbers `export` writes; the default shows 5 genes; a bad --genes exits 2.
source "$(dirname "$0")/lib.sh"

base=$(scratch inspect)
evo_run 2 run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=sphere \
  --set problem.dimension=12 --set genome.lower=-5.12 --set genome.upper=5.12 \
  --set algorithm.name=cmaes --set algorithm.population=12 --set run.generations=4 \
  --set checkpoint.every_generations=2 --out "$base/out" >"$base/run.log" 2>&1 ||
  fail "cmaes run failed"
ckpt=$(newest_checkpoint "$base/out")

"$EVO_BIN" inspect "$ckpt" >"$base/default.txt" || fail "inspect exited $?"
# The value column: where the text after a label (words separated by single spaces) starts.
columns=$(sed -E 's/^( *[^ ]+( [^ ]+)*  +).*/\1/' "$base/default.txt" | awk '{ print length($0) }' |
  sort -u)
if [[ $(wc -l <<<"$columns") == 1 ]] && grep -q '^  inv_sqrt_covariance  ' "$base/default.txt"; then
  pass "inspect: every value starts in column $columns, the longest label included"
else
  fail "inspect columns not aligned (starts: $(tr '\n' ' ' <<<"$columns"))"
  cat "$base/default.txt" >&2
fi
grep -q '^hall of fame .*genome \[[^]]*, \.\.\. (12 in all)\]$' "$base/default.txt" &&
  pass "inspect shows 5 of 12 genes by default" || fail "default genes: $(grep '^hall' "$base/default.txt")"

"$EVO_BIN" inspect --genes all "$ckpt" >"$base/all.txt" || fail "inspect --genes all exited $?"
shown=$(sed -n 's/^hall of fame .*genome \[\(.*\)\]$/\1/p' "$base/all.txt" | tr -d ' ')
exported=$("$EVO_BIN" export "$ckpt" | sed -n 2p | cut -d, -f2- |
  tr ',' '\n' | xargs -n 1 printf '%.6g\n' | paste -sd,)
if [[ -n $shown && $shown == "$exported" && $(tr ',' '\n' <<<"$shown" | wc -l) == 12 ]]; then
  pass "inspect --genes all: the 12 genes of the best, as export writes them"
else
  fail "inspect --genes all shows [$shown], export [$exported]"
fi
"$EVO_BIN" inspect --genes 3 "$ckpt" | grep -q '^best .*genome \[[^],]*, [^],]*, [^],]*, \.\.\. (12 in all)\]$' &&
  pass "inspect --genes 3" || fail "inspect --genes 3"
for bad in 0 -1 many; do
  rc=0
  "$EVO_BIN" inspect --genes "$bad" "$ckpt" >"$base/bad.out" 2>&1 || rc=$?
  [[ $rc == 2 ]] && grep -q -- "--genes: expected a count > 0 or all, got '$bad'" "$base/bad.out" &&
    pass "inspect --genes $bad: exit 2 naming it" || fail "inspect --genes $bad: exit $rc: $(cat "$base/bad.out")"
done
finish
