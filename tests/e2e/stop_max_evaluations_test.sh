#!/usr/bin/env bash
# Issue 19 test 2, run.max_evaluations (tests/e2e/stopping_rule_lib.sh): a budget one
# evaluation short of the reference's count after generation 20, so generation 20 (which
# crosses it) is completed and the job stops there.
source "$(dirname "$0")/stopping_rule_lib.sh"
base=$(scratch stop-max-evaluations)
# Bad stopping rules are configuration errors: every rank exits 2, naming the key.
demo="$EVO_SOURCE_DIR/examples/demo.toml"
expect_exit_2 3 "negative budget" "run.max_evaluations must be >= 0, got -5" "$demo" \
  --set run.max_evaluations=-5
expect_exit_2 3 "target for two objectives" "run.target_fitness applies to a single objective" \
  "$demo" --set problem.name=zdt1 --set algorithm.name=nsga2 --set run.target_fitness=0.1
expect_exit_2 3 "a rule with steady_state" "run.stagnation_generations is not supported" \
  "$demo" --set algorithm.name=steady_state --set run.stagnation_generations=5
reference_run
budget=$(awk -F, 'NR > 1 { total += $2; if ($1 == 20) { print total - 1; exit } }' \
  "$reference/logbook.csv")
check_stopping_rule max_evaluations 20 --set run.max_evaluations="$budget"

# jobs = 2: each job is judged on its own evaluations and stops at the first generation
# whose cumulative count reaches the budget (read from its own logbook.csv).
out="$base/jobs2"
if ! evo_run 3 "${rule_config[@]}" --set run.jobs=2 --set run.max_evaluations="$budget" \
  --out "$out" >"$out.log" 2>&1; then
  fail "jobs = 2: the run failed"
  tail -n 5 "$out.log" >&2
else
  for job in 0 1; do
    final=$(newest_checkpoint "$out/job.$job")
    first=$(awk -F, -v b="$budget" 'NR > 1 { t += $2; if (t >= b) { print $1; exit } }' \
      "$out/job.$job/logbook.csv")
    last=$(awk -F, 'END { print $1 }' "$out/job.$job/logbook.csv")
    reason=$(h5_attribute "$final" stop_reason | tr -d '"')
    if [[ $reason != max_evaluations || $(h5_attribute "$final" generation) != "$first" ||
      $last != "$first" ]]; then
      fail "jobs = 2, job $job: stop_reason '$reason' at generation $(h5_attribute "$final" generation), logbook to $last (budget reached at $first)"
    else
      pass "jobs = 2, job $job: stopped at generation $first, where its own budget was reached"
    fi
  done
fi
finish
