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
# Nothing was evolved, and no checkpoint was written.
if compgen -G "$base/out/checkpoints/*" >/dev/null; then
  fail "a bad config still wrote checkpoints"
else
  pass "no checkpoint written for a bad config"
fi
finish
