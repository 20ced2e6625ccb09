#!/usr/bin/env bash
# The evaluation journal spans generations: a launch killed with kill -9 several generations
# after its last checkpoint is resumed with every generation it completed since then taken
# from the journal (none of them computed again), and finishes identical to a run that was
# never killed.
source "$(dirname "$0")/lib.sh"

base=$(scratch journal-generations)
# 20 evaluations of 50 ms on 2 workers: about half a second per generation.
config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=sphere --set problem.dimension=4
  --set algorithm.population=20 --set run.generations=12 --set problem.delay_ms=50
  --set checkpoint.every_generations=4)

evo_run 3 "${config[@]}" --out "$base/reference" >"$base/reference.log" 2>&1 ||
  fail "reference run failed"

# Killed as soon as generation 6 is logged: checkpoint at generation 4, generations 5 and 6
# complete in the journal only, generation 7 in progress.
out="$base/killed"
start_detached "$out" 3 "${config[@]}"
wait_for_generation "$out" 6 || fail "generation 6 was never logged"
kill_session "$detached_pid"
wait "$detached_pid" 2>/dev/null || true
grep -q "^gen     8 " "$out.log" && fail "the run reached generation 8 before the kill; the test needs a slower run"

if EVO_EVAL_TRACE="$base/trace" evo_run 3 "${config[@]}" --out "$out" >>"$out.log" 2>&1; then
  from=$(grep -o "resuming from .*generation [0-9]*" "$out.log" | grep -o "[0-9]*$")
  # Elites carry their fitness over, so a whole generation is fewer than 20 evaluations.
  generations=$(grep -c "recovered [0-9]* finished evaluations of generation" "$out.log" || true)
  if [[ $from == 4 ]] && ((generations >= 2)); then
    pass "resumed at generation 4 with evaluations of $generations generations taken from the journal"
  else
    fail "resumed at generation ${from:-none}, evaluations of $generations generations from the journal (expected 4 and >= 2)"
    grep "recovered\|resuming" "$out.log" >&2
  fi
  for gen in 5 6; do
    if awk -v g="$gen" '$2 == g' "$base/trace" | grep -q .; then
      fail "generation $gen was computed again after the restart"
    fi
  done
  same_results "$base/reference" "$out" "killed at generation 6, resumed" &&
    pass "killed at generation 6 and resumed: identical to the run never killed"
else
  fail "the restart failed"
  tail -n 20 "$out.log" >&2
fi
finish
