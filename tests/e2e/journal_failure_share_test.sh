#!/usr/bin/env bash
# dispatch.max_failure_share applies to a generation as a whole, however its evaluations
# were obtained: a launch killed with kill -9 inside a generation whose failures exceed the
# share, then relaunched, takes the journaled evaluations back (failures included) and stops
# exactly as the uninterrupted run did: exit 1 on the failure share, the same checkpoints
# and logbook. Before the fix the relaunch counted only what it evaluated itself and went on.
# The same holds after SIGUSR1 in that generation and a resume of its checkpoint.
source "$(dirname "$0")/lib.sh"

base=$(scratch journal-failure-share)
# The program fails (exit 1) for individuals 0..13 of generation 5, deterministically by
# task, so that the generation's first evaluations (sent first: low indices) are mostly
# failures and its last ones mostly not. Generation 5 is slow (0.2 s per evaluation), so
# the kill lands in it; every evaluation of generation 5 leaves a line in $EVAL_LOG.
cat >"$base/program.sh" <<'SH'
#!/usr/bin/env bash
genome=$(cat)
if [[ $EVO_GENERATION == 5 ]]; then
  sleep 0.2
  echo "$EVO_INDEX" >>"$EVAL_LOG"
  ((EVO_INDEX < 14)) && exit 1
fi
printf '%s\n' "$genome" | awk '{ s += $1 * $1 } END { printf "%.17g\n", s }'
SH
chmod +x "$base/program.sh"
cat >"$base/config.toml" <<TOML
[run]
seed = 5
generations = 8

[problem]
name = "command"
dimension = 4

[command]
argv = ["$base/program.sh"]
input = "lines"

[genome]
lower = -5.12
upper = 5.12

[algorithm]
population = 20

[dispatch]
retries = 0
max_failure_share = 0.5

[checkpoint]
every_generations = 4
TOML
config=(run "$base/config.toml")

rc=0
EVAL_LOG="$base/reference.evals" evo_run 3 "${config[@]}" --out "$base/reference" \
  >"$base/reference.log" 2>&1 || rc=$?
needed=$(wc -l <"$base/reference.evals")
if [[ $rc != 1 ]] || ! grep -q "in generation 5 failed.*max_failure_share" "$base/reference.log"; then
  fail "the uninterrupted run should stop with exit 1 on the failure share of generation 5 (exit $rc)"
  tail -n 5 "$base/reference.log" >&2
  finish
fi
pass "uninterrupted: exit 1 on the failure share of generation 5 ($needed evaluations)"

# Killed once at least half of generation 5's evaluations have finished (and so are in the
# journal a millisecond later): those are mostly failures, the rest mostly not.
out="$base/killed"
EVAL_LOG="$base/killed.evals" start_detached "$out" 3 "${config[@]}"
for _ in $(seq 1000); do
  (($(cat "$base/killed.evals" 2>/dev/null | wc -l) * 2 >= needed)) && break
  kill -0 "$detached_pid" 2>/dev/null || break
  sleep 0.01
done
sleep 0.05
kill_session "$detached_pid"
wait "$detached_pid" 2>/dev/null || true
done_before=$(wc -l <"$base/killed.evals")
((done_before < needed)) || fail "generation 5 finished before the kill; the test needs a slower program"

rc=0
EVAL_LOG="$base/relaunch.evals" evo_run 3 "${config[@]}" --out "$out" >>"$out.log" 2>&1 || rc=$?
recovered=$(grep -o "recovered [0-9]* finished evaluations of generation 5" "$out.log" |
  grep -o "^recovered [0-9]*" | grep -o "[0-9]*" || true)
if [[ -z $recovered ]] || ((recovered == 0)); then
  fail "the relaunch recovered nothing of generation 5 from the journal"
  grep "recovered\|resuming" "$out.log" >&2 || true
fi
if [[ $rc != 1 ]]; then
  fail "relaunch after kill -9 in generation 5 (${recovered:-0} evaluations from the journal): exit $rc, the uninterrupted run exited 1"
  tail -n 5 "$out.log" >&2
elif ! grep -q "in generation 5 failed.*max_failure_share" "$out.log"; then
  fail "the relaunch exited 1 but not on the failure share of generation 5"
  tail -n 5 "$out.log" >&2
else
  pass "relaunch with $recovered evaluations of generation 5 from the journal: exit 1 on its failure share"
fi
same_results "$base/reference" "$out" "killed in generation 5, relaunched" &&
  pass "killed in generation 5 and relaunched: identical outputs to the uninterrupted run"

# The same with SIGUSR1 instead of kill -9: the mid-generation checkpoint records how many
# of the evaluations done so far failed (/in_progress failed), and the resume counts them.
out="$base/signalled"
EVAL_LOG="$base/signalled.evals" start_detached "$out" 3 "${config[@]}"
for _ in $(seq 1000); do
  (($(cat "$base/signalled.evals" 2>/dev/null | wc -l) * 2 >= needed)) && break
  kill -0 "$detached_pid" 2>/dev/null || break
  sleep 0.01
done
kill -USR1 "$detached_pid"
rc=0
wait "$detached_pid" || rc=$?
[[ $rc == 85 ]] || fail "SIGUSR1 in generation 5: exit $rc, expected 85"
failed_before=$(h5dump -a /in_progress/failed "$(newest_checkpoint "$out")" 2>/dev/null |
  sed -n 's/^ *(0): *//p' || true)
rc=0
EVAL_LOG="$base/resumed.evals" evo_run 3 "${config[@]}" --out "$out" >>"$out.log" 2>&1 || rc=$?
if [[ $rc != 1 ]] || ! grep -q "taken from a checkpoint or the journal" "$out.log"; then
  fail "resume of a checkpoint taken in generation 5 (${failed_before:-no} failures recorded): exit $rc, the uninterrupted run exited 1"
  tail -n 5 "$out.log" >&2
elif ! diff <(cut -d, -f1-7 "$base/reference/logbook.csv") <(cut -d, -f1-7 "$out/logbook.csv") >/dev/null; then
  fail "resume of a checkpoint taken in generation 5: logbook.csv differs from the uninterrupted run's"
else
  pass "SIGUSR1 in generation 5 ($failed_before failures in the checkpoint), resumed: exit 1 on its failure share, same logbook"
fi
finish
