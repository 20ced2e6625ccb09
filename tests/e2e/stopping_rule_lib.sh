# Shared by the stop_*_test.sh tests (issue 19 test 2): one stopping rule under 3 ranks.
#   reference_run             the run without the rule (60 generations), into $reference
#   logbook_column GEN COL    a column of $reference's logbook.csv at generation GEN
#   check_stopping_rule RULE EXPECTED_GEN --set run.KEY=VALUE...
# check_stopping_rule asserts that the run with the rule stops after EXPECTED_GEN with
# stop_reason RULE (console, final checkpoint, inspect, verify) on the reference's
# trajectory; that a kill -9 in the middle of the run (mid-generation, with journal
# records torn) and one while the final checkpoint is written, each followed by a
# relaunch, end identical (scripts/compare-runs.sh); and that a relaunch of the finished
# run says it is already finished and writes nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

generations=60
rule_config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=sphere
  --set problem.dimension=5 --set algorithm.population=40 --set run.seed=3
  --set run.generations=$generations --set checkpoint.every_generations=5)

reference_run() {
  reference="$base/reference"
  if ! evo_run 3 "${rule_config[@]}" --out "$reference" >"$reference.log" 2>&1; then
    fail "the reference run failed"
    tail -n 5 "$reference.log" >&2
    finish
  fi
}

logbook_column() {
  awk -F, -v g="$1" -v c="$2" 'NR > 1 && $1 == g { print $c }' "$reference/logbook.csv"
}

check_stopping_rule() {
  local rule=$1 expected=$2
  shift 2
  local args=("${rule_config[@]}" "$@")
  if ! ((expected > 10 && expected < generations)); then
    fail "$rule: the rule would stop after generation $expected (the test needs 11 .. $((generations - 1)))"
    return
  fi
  local out="$base/stopped" rc=0
  evo_run 3 "${args[@]}" --out "$out" >"$out.log" 2>&1 || rc=$?
  local final
  final=$(newest_checkpoint "$out")
  local reason gen
  reason=$(h5_attribute "$final" stop_reason | tr -d '"')
  gen=$(h5_attribute "$final" generation)
  if [[ $rc != 0 ]]; then
    fail "$rule: exit $rc"
    tail -n 5 "$out.log" >&2
    return
  elif [[ $reason != "$rule" || $gen != "$expected" || $(h5_attribute "$final" final) != 1 ]]; then
    fail "$rule: final checkpoint at generation $gen with stop_reason '$reason' (expected $expected, $rule)"
    return
  elif ! grep -q "stopped after generation $expected of $generations: $rule (" "$out.log"; then
    fail "$rule: the console does not say why the job stopped"
  elif ! diff <(head -n $((expected + 2)) "$reference/logbook.csv" | cut -d, -f1-7) \
    <(cut -d, -f1-7 "$out/logbook.csv") >/dev/null; then
    fail "$rule: the logbook is not the reference's first $((expected + 1)) generations"
  elif ! "$EVO_BIN" verify "$final" >/dev/null; then
    fail "$rule: verify refuses the final checkpoint"
  elif ! "$EVO_BIN" inspect "$final" | grep -q "stop reason *$rule"; then
    fail "$rule: inspect does not show the stop reason"
  else
    pass "$rule: stopped after generation $expected of $generations, on the reference's trajectory"
  fi

  # Started again: already finished, nothing written.
  local before
  before=$(ls "$out/checkpoints")
  if evo_run 3 "${args[@]}" --out "$out" >>"$out.log" 2>&1 &&
    grep -q "already finished at generation $expected ($rule)" "$out.log" &&
    [[ $(ls "$out/checkpoints") == "$before" ]]; then
    pass "$rule: a relaunch of the finished run says it is already finished"
  else
    fail "$rule: a relaunch of the finished run did not say 'already finished' (or wrote a checkpoint)"
  fi

  # kill -9 mid-run: the master dies in its 12th journal write, with its last record torn.
  # Then kill -9 while the final checkpoint (the one naming the rule) is being written.
  local final_seq
  final_seq=$(basename "$final" | sed 's/^ckpt-0*\([0-9]*\)-.*/\1/')
  local crash label
  for crash in journal:12 "tmp_written:$final_seq"; do
    label="$rule, kill -9 at $crash"
    local killed="$base/kill-${crash%%:*}"
    rc=0
    EVO_CRASH_AT=$crash evo_run 3 "${args[@]}" --out "$killed" >"$killed.log" 2>&1 || rc=$?
    if [[ $rc == 0 ]]; then
      fail "$label: the run was not killed"
    elif [[ $(h5_attribute "$(newest_checkpoint "$killed")" final) == 1 ]]; then
      fail "$label: a final checkpoint was committed before the kill"
    elif ! evo_run 3 "${args[@]}" --out "$killed" >>"$killed.log" 2>&1; then
      fail "$label: the relaunch failed"
      tail -n 5 "$killed.log" >&2
    else
      same_results "$out" "$killed" "$label" &&
        pass "$label, relaunched: identical (stop_reason $rule, generation $expected)"
    fi
  done
}
