#!/usr/bin/env bash
# A genome type or operator that does not fit the problem ends every rank with exit code 2
# within seconds, with a message that names the key and says why; and nothing is evolved
# or written.
source "$(dirname "$0")/lib.sh"

base=$(scratch genome-bad-config)
demo="$EVO_SOURCE_DIR/examples/demo.toml"

# Every case on 4 ranks (the workers must go down too); the first two also on 1 rank.
for np in 1 4; do
  expect_exit_2 $np "onemax on a real genome" \
    "--set genome.type=real: genome.type: problem 'onemax' is defined on binary genomes" \
    "$demo" --set problem.name=onemax --set genome.type=real
  expect_exit_2 $np "permutation genome with SBX" \
    "algorithm.crossover: 'sbx' does not fit a permutation genome (its genes are an ordering of 0 .. n-1, each exactly once): it creates new real numbers" \
    "$demo" --set problem.name=tsp_berlin52 --set problem.dimension=52 --set algorithm.crossover=sbx
done
expect_exit_2 4 "TSP with the wrong dimension" \
  "demo.toml: problem.dimension must be 52 for problem 'tsp_berlin52' (its number of cities" \
  "$demo" --set problem.name=tsp_berlin52
expect_exit_2 4 "binary genome with gaussian mutation" \
  "algorithm.mutation: 'gaussian' does not fit a binary genome" \
  "$demo" --set problem.name=knapsack --set algorithm.mutation=gaussian
expect_exit_2 4 "integer genome with a fractional bound" \
  "genome.lower must be a whole number for an integer genome, got 0.5" \
  "$demo" --set genome.type=integer --set genome.lower=0.5
if compgen -G "$base/out/*" >/dev/null; then
  fail "a bad config still wrote to the output directory: $(ls "$base/out")"
else
  pass "nothing written for a bad config"
fi
finish
