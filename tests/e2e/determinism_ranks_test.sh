#!/usr/bin/env bash
# Determinism contract 1 and 3: the same config and seed give identical results with
# 1, 2, 4 and 7 ranks, for rastrigin and for noisy_sphere (which draws noise from the
# evaluation's own stream).
source "$(dirname "$0")/lib.sh"

for problem in rastrigin noisy_sphere; do
  base=$(scratch "determinism-$problem")
  for np in 1 2 4 7; do
    if ! evo_run $np run "$EVO_SOURCE_DIR/examples/demo.toml" --out "$base/np$np" \
      --set problem.name=$problem --set problem.dimension=10 \
      --set algorithm.population=60 --set run.generations=25 \
      --set checkpoint.every_generations=5 >"$base/np$np.log" 2>&1; then
      fail "$problem np=$np: run failed"
      tail -n 20 "$base/np$np.log" >&2
      continue
    fi
    [[ $np == 1 ]] && continue
    same_results "$base/np1" "$base/np$np" "$problem np=1 vs np=$np" &&
      pass "$problem: np=$np identical to np=1"
  done
  # The runs really evolved: the final best is far better than the initial one.
  first=$(sed -n 2p "$base/np1/logbook.csv" | cut -d, -f3)
  last=$(tail -n 1 "$base/np1/logbook.csv" | cut -d, -f3)
  if awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a) }'; then
    pass "$problem: best improved from $first to $last"
  else
    fail "$problem: best did not improve ($first -> $last)"
  fi
done
# Different seeds must give different results, or the comparisons above prove nothing.
base=$(scratch determinism-seed)
evo_run 2 run "$EVO_SOURCE_DIR/examples/demo.toml" --out "$base/a" --set run.generations=3 \
  --set algorithm.population=20 >/dev/null 2>&1
evo_run 2 run "$EVO_SOURCE_DIR/examples/demo.toml" --out "$base/b" --set run.generations=3 \
  --set algorithm.population=20 --set run.seed=2 >/dev/null 2>&1
if h5diff "$(newest_checkpoint "$base/a")" "$(newest_checkpoint "$base/b")" /population \
  /population >/dev/null 2>&1; then
  fail "seed 1 and seed 2 gave the same population"
else
  pass "different seeds give different populations"
fi
finish
