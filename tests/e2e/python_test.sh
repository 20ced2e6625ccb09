#!/usr/bin/env bash
# problem.name = "python" under real mpirun: Python twins of the built-in sphere and
# rastrigin (tests/e2e/python/exact_problems.py), per genome and batched, give bit-identical
# results to the built-ins at 1 and 2 ranks; a module that cannot be imported ends every
# rank with exit 2 naming python.module, before any checkpoint is written.
source "$(dirname "$0")/lib.sh"

base=$(scratch python)
config=(run "$EVO_SOURCE_DIR/examples/python.toml" --set run.generations=5
  --set algorithm.population=40 --set checkpoint.every_generations=2
  --set "python.path=[\"$EVO_SOURCE_DIR/tests/e2e/python\"]" --set python.module=exact_problems
  --set 'python.init=""')

for problem in sphere rastrigin; do
  evo_run 2 "${config[@]}" --set problem.name=$problem --out "$base/$problem" \
    >"$base/$problem.log" 2>&1 || fail "built-in $problem run failed"
  for variant in "$problem false" "${problem}_batch true"; do
    read -r function batch <<<"$variant"
    for np in 1 2; do
      out="$base/$function.np$np"
      if evo_run $np "${config[@]}" --set python.function=$function --set python.batch=$batch \
        --out "$out" >"$out.log" 2>&1; then
        same_results "$base/$problem" "$out" "python $function at $np ranks vs built-in $problem" &&
          pass "python $function (batch = $batch) at $np ranks = built-in $problem, bit for bit"
      else
        fail "python $function at $np ranks failed"
        tail -n 10 "$out.log" >&2
      fi
    done
  done
done

expect_exit_2 2 "module that cannot be imported" "python.module: cannot import 'no_such_module'" \
  "${config[@]:1}" --set python.module=no_such_module --set python.function=sphere
compgen -G "$base/out/checkpoints/*.h5" >/dev/null && fail "a failed import wrote checkpoints"
finish
