#!/usr/bin/env bash
# Bad configuration of every kind ends every rank with exit code 2 within seconds, and
# the message names the key (or file) that is wrong; on 1, 2 and 4 ranks.
source "$(dirname "$0")/lib.sh"

base=$(scratch bad-config)
printf '[algorithm]\npopulaton = 10\n' >"$base/unknown_key.toml"
printf '[algorithm]\npopulation = "many"\n' >"$base/wrong_type.toml"
printf '[algorithm]\npopulation = 0\n' >"$base/population_zero.toml"
printf '[run\nseed = 1\n' >"$base/syntax.toml"

# expect_exit_2 NP WHAT EXPECTED_TEXT ARGS...
expect_exit_2() {
  local np=$1 what=$2 expected=$3
  shift 3
  local start=$SECONDS rc=0
  timeout 60 mpirun --oversubscribe -np "$np" "$EVO_BIN" run "$@" --out "$base/out" \
    >"$base/log" 2>&1 || rc=$?
  local took=$((SECONDS - start))
  if [[ $rc != 2 ]]; then
    fail "$what (np=$np): exit code $rc, expected 2"
    tail -n 5 "$base/log" >&2
  elif ! grep -qF -- "$expected" "$base/log"; then
    fail "$what (np=$np): message does not name '$expected'"
    cat "$base/log" >&2
  elif ((took > 20)); then
    fail "$what (np=$np): took ${took}s"
  else
    pass "$what (np=$np): exit 2 in ${took}s, names '$expected'"
  fi
}

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
