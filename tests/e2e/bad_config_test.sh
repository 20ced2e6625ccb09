#!/usr/bin/env bash
# Bad configuration of every kind ends every rank with exit code 2 within seconds, and
# the message names the key (or file) that is wrong; on 1, 2 and 4 ranks.
source "$(dirname "$0")/lib.sh"

base=$(scratch bad-config)
printf '[algorithm]\npopulaton = 10\n' >"$base/unknown_key.toml"
printf '[algorithm]\npopulation = "many"\n' >"$base/wrong_type.toml"
printf '[algorithm]\npopulation = 0\n' >"$base/population_zero.toml"
printf '[run\nseed = 1\n' >"$base/syntax.toml"

for np in 1 2 4; do
  expect_exit_2 $np "unknown key" "algorithm.populaton" "$base/unknown_key.toml"
  expect_exit_2 $np "wrong type" "algorithm.population" "$base/wrong_type.toml"
  expect_exit_2 $np "population 0" "algorithm.population" "$base/population_zero.toml"
  expect_exit_2 $np "missing file" "$base/nope.toml" "$base/nope.toml"
  expect_exit_2 $np "syntax error" "syntax.toml" "$base/syntax.toml"
  expect_exit_2 $np "bad override" "problem.dimension" "$EVO_SOURCE_DIR/examples/demo.toml" \
    --set problem.dimension=-3
  expect_exit_2 $np "unknown problem" "problem.name" "$EVO_SOURCE_DIR/examples/demo.toml" \
    --set problem.name=nosuch
done
# A single-objective algorithm on a problem with several objectives, wherever the count
# comes from: the catalog, command.objectives, plugin.objectives.
command=(--set problem.name=command --set 'command.argv=["/bin/true"]' --set genome.lower=0
  --set genome.upper=1 --set command.objectives=2)
plugin=(--set problem.name=plugin --set plugin.library="$(dirname "$EVO_BIN")/libsphere_plugin.so"
  --set genome.lower=-5 --set genome.upper=5 --set plugin.objectives=3)
for np in 1 4; do
  expect_exit_2 $np "simple on a 2-objective command" \
    "algorithm.name = 'simple' minimises a single objective, but problem 'command' has 2 objectives (command.objectives = 2): use algorithm.name = \"nsga2\"" \
    "$EVO_SOURCE_DIR/examples/demo.toml" "${command[@]}"
  expect_exit_2 $np "steady_state on a 3-objective plugin" \
    "algorithm.name = 'steady_state' minimises a single objective, but problem 'plugin' has 3 objectives (plugin.objectives = 3)" \
    "$EVO_SOURCE_DIR/examples/demo.toml" "${plugin[@]}" --set algorithm.name=steady_state
  expect_exit_2 $np "mu_comma_lambda on zdt2" \
    "algorithm.name = 'mu_comma_lambda' minimises a single objective, but problem 'zdt2' has 2 objectives (the problem's own count)" \
    "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=zdt2 --set algorithm.name=mu_comma_lambda
done
# Nothing was evolved, and no checkpoint was written.
if compgen -G "$base/out/checkpoints/*" >/dev/null; then
  fail "a bad config still wrote checkpoints"
else
  pass "no checkpoint written for a bad config"
fi
finish
