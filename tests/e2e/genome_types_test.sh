#!/usr/bin/env bash
# Every genome type under `simple`, each with another selection method: binary (onemax,
# roulette), integer (rastrigin on whole numbers, creep mutation, SUS), permutation
# (TSP berlin52, PMX, inversion, tournament) and real (griewank, best). Each gives
# identical results with 1 and 4 ranks (determinism contract 1 and 3), really evolves, and,
# killed with SIGKILL mid-run (by the EVO_CRASH_AT hook, right after its second checkpoint)
# and restarted with 2 ranks, finishes identical (contract 2 and 4). Mid-generation kills
# are covered for every stage by crash_points_test.sh; here the point is that each
# representation's state comes back exactly.
source "$(dirname "$0")/lib.sh"

base=$(scratch genome-types)
common=(--set algorithm.population=40 --set run.generations=15
  --set checkpoint.every_generations=4)
declare -A cases=(
  [binary]="--set problem.name=onemax --set problem.dimension=40 --set algorithm.selection=roulette"
  [integer]="--set problem.name=rastrigin --set genome.type=integer --set problem.dimension=10 --set algorithm.mutation=creep --set algorithm.creep_step=2 --set algorithm.selection=sus"
  [permutation]="--set problem.name=tsp_berlin52 --set problem.dimension=52 --set algorithm.crossover=pmx --set algorithm.mutation=inversion"
  [real]="--set problem.name=griewank --set problem.dimension=10 --set algorithm.selection=best"
)

for name in binary integer permutation real; do
  read -r -a args <<<"${cases[$name]}"
  config=(run "$EVO_SOURCE_DIR/examples/demo.toml" "${common[@]}" "${args[@]}")
  ok=1
  for np in 1 4; do
    if ! evo_run $np "${config[@]}" --out "$base/$name-np$np" >"$base/$name-np$np.log" 2>&1; then
      fail "$name np=$np: run failed"
      tail -n 20 "$base/$name-np$np.log" >&2
      ok=0
    fi
  done
  ((ok)) || continue
  same_results "$base/$name-np1" "$base/$name-np4" "$name: np=1 vs np=4" &&
    pass "$name: np=4 identical to np=1"
  first=$(sed -n 2p "$base/$name-np1/logbook.csv" | cut -d, -f3)
  last=$(tail -n 1 "$base/$name-np1/logbook.csv" | cut -d, -f3)
  if awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a) }'; then
    pass "$name: best improved from $first to $last"
  else
    fail "$name: best did not improve ($first -> $last)"
  fi

  # Killed once its second checkpoint (generation 4 of 15) is committed, then restarted with
  # another rank count.
  out="$base/$name-killed"
  rc=0
  EVO_CRASH_AT="committed:2" evo_run 4 "${config[@]}" --out "$out" >"$out.log" 2>&1 || rc=$?
  if [[ $rc == 0 ]]; then
    fail "$name: the run was not killed (crash point never reached?)"
    continue
  fi
  if ! evo_run 2 "${config[@]}" --out "$out" >>"$out.log" 2>&1; then
    fail "$name: the restarted run failed"
    tail -n 20 "$out.log" >&2
    continue
  fi
  resumed=$(grep -o "resuming from .*generation [0-9]*" "$out.log" | head -n 1)
  if [[ -z $resumed ]]; then
    fail "$name: the restart did not resume from a checkpoint"
    continue
  fi
  same_results "$base/$name-np1" "$out" "$name: killed and resumed" &&
    pass "$name: killed (exit $rc), ${resumed#resuming from } with 2 ranks, identical"
done

# The final genomes in the checkpoints really are of their type: one row per individual.
genome_rows() {
  h5dump -y -w 0 -d /population/genomes "$(newest_checkpoint "$1")" |
    sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' ' | sed 's/,$//'
}
not_tours=$(genome_rows "$base/permutation-np1" | awk -F, '{
  delete seen; ok = NF == 52
  for (i = 1; i <= NF; i++) { if ($i !~ /^[0-9]+$/ || $i > 51 || ($i in seen)) ok = 0; seen[$i] = 1 }
  if (!ok) bad++ } END { print bad + 0 }')
tours=$(genome_rows "$base/permutation-np1" | wc -l)
if [[ $tours == 40 && $not_tours == 0 ]]; then
  pass "permutation: each of the 40 final genomes visits each city 0..51 once"
else
  fail "permutation: $not_tours of $tours final genomes are not tours of 0..51"
fi
not_bits=$(genome_rows "$base/binary-np1" | tr ',' '\n' | grep -cvx '[01]' || true)
if [[ $(genome_rows "$base/binary-np1" | wc -l) == 40 && $not_bits == 0 ]]; then
  pass "binary: every final gene is 0 or 1"
else
  fail "binary: $not_bits final genes are not bits"
fi
finish
