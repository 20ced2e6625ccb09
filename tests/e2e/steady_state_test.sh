#!/usr/bin/env bash
# algorithm.name = "steady_state" (asynchronous, no generation barrier) under real mpirun:
# a run stopped by SIGUSR1 checkpoints its individuals in flight, exits 85, and the restart
# dispatches exactly those again before breeding new ones (checked against the evaluation
# trace: nothing lost, nothing evaluated twice); a run killed with kill -9 resumes from its
# last checkpoint; both, and a single-rank run, complete with N x (generations + 1)
# evaluations. The trajectory itself depends on arrival order (DESIGN.md contract 5), so
# results are not compared bit for bit.
source "$(dirname "$0")/lib.sh"

base=$(scratch steady-state)
population=20
generations=12
total=$((population * (generations + 1)))
config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set algorithm.name=steady_state
  --set problem.name=sphere --set problem.dimension=4 --set problem.delay_ms=15
  --set problem.delay_distribution=exponential --set algorithm.population=$population
  --set run.generations=$generations --set checkpoint.every_generations=2)

# h5_integers FILE DATASET: the values of an int64 dataset, one per line.
h5_integers() { h5dump -y -w 0 -d "$2" "$1" 2>/dev/null | sed -n '/DATA {/,/}/p' | grep -o '[0-9]\+'; }

# completed OUT LABEL: the final checkpoint says the job finished with every evaluation.
completed() {
  local newest
  newest=$(newest_checkpoint "$1")
  local evaluations final generation rows
  evaluations=$(h5_attribute "$newest" evaluations)
  final=$(h5_attribute "$newest" final)
  generation=$(h5_attribute "$newest" generation)
  rows=$(($(wc -l <"$1/logbook.csv") - 1))
  if [[ $evaluations == "$total" && $final == 1 && $generation == "$generations" &&
    $rows == $((generations + 1)) ]]; then
    pass "$2: finished with $evaluations evaluations, $rows logbook rows"
  else
    fail "$2: evaluations $evaluations (expected $total), final $final, generation $generation, $rows logbook rows"
  fi
}

# SIGUSR1 in the middle of the run.
out="$base/usr1"
EVO_EVAL_TRACE="$base/usr1-trace1" start_detached "$out" 4 "${config[@]}"
pid=$detached_pid
wait_for_generation "$out" 3 || fail "generation 3 was never logged"
sleep 0.1
kill -USR1 "$pid"
rc=0
wait "$pid" || rc=$?
if [[ $rc != 85 ]] || ! grep -q "stopped by SIGUSR1" "$out.log"; then
  fail "SIGUSR1: exit $rc, expected 85 after a checkpoint"
  tail -n 20 "$out.log" >&2
fi
checkpoint=$(newest_checkpoint "$out")
"$EVO_BIN" verify "$checkpoint" >/dev/null || fail "SIGUSR1: the signal checkpoint is not intact"
mapfile -t in_flight < <(h5_integers "$checkpoint" /algorithm/in_flight_births)
births=$(h5_integers "$checkpoint" /algorithm/births)
insertions=$(h5_integers "$checkpoint" /algorithm/insertions)
if ((${#in_flight[@]} == 0)); then
  fail "SIGUSR1: no individual in flight in the checkpoint (births $births, insertions $insertions)"
elif ((births != insertions + ${#in_flight[@]})); then
  fail "SIGUSR1: births $births != insertions $insertions + ${#in_flight[@]} in flight"
else
  pass "SIGUSR1: exit 85, checkpoint holds ${#in_flight[@]} individuals in flight ($insertions inserted)"
fi
if EVO_EVAL_TRACE="$base/usr1-trace2" evo_run 4 "${config[@]}" --out "$out" >>"$out.log" 2>&1; then
  grep -q "${#in_flight[@]} individuals were in flight" "$out.log" ||
    fail "SIGUSR1: the restart did not announce the individuals in flight"
  # The restart evaluates exactly the individuals in flight and the births after them.
  expected=$( (printf '%s\n' "${in_flight[@]}"; seq "$births" $((total - 1))) | sort -n)
  evaluated=$(awk '{print $3}' "$base/usr1-trace2" | sort -n)
  if [[ "$expected" == "$evaluated" ]]; then
    pass "SIGUSR1: restart re-dispatched the ${#in_flight[@]} in flight, then births $births..$((total - 1)), each once"
  else
    fail "SIGUSR1: restart evaluated other individuals than in-flight + new births: $(diff <(echo "$expected") <(echo "$evaluated") | head -n 5 | tr '\n' ' ')"
  fi
  completed "$out" "SIGUSR1 then restart"
else
  fail "SIGUSR1: restart failed"
  tail -n 20 "$out.log" >&2
fi

# kill -9 of the whole launch after its first checkpoint.
out="$base/kill"
if [[ $(kill_after_first_checkpoint "$out" 0.5 4 "${config[@]}") == killed ]]; then
  if evo_run 2 "${config[@]}" --out "$out" >>"$out.log" 2>&1 && grep -q "resuming from" "$out.log"; then
    completed "$out" "kill -9, resumed with 2 ranks"
  else
    fail "kill -9: the restart failed or did not resume"
    tail -n 20 "$out.log" >&2
  fi
else
  fail "kill -9: the run finished before the kill; the test needs a slower run"
fi

# One rank: the master evaluates in-process, same count.
out="$base/single"
if evo_run 1 "${config[@]}" --set problem.delay_ms=0 --out "$out" >"$out.log" 2>&1; then
  completed "$out" "single rank"
else
  fail "single rank: exit code $?"
  tail -n 20 "$out.log" >&2
fi
finish
