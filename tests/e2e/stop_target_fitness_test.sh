#!/usr/bin/env bash
# Issue 19 test 2, run.target_fitness (tests/e2e/stopping_rule_lib.sh): the target is the
# reference run's best at generation 25, so the rule stops at the first generation whose
# best-so-far reaches it.
source "$(dirname "$0")/stopping_rule_lib.sh"
base=$(scratch stop-target-fitness)
reference_run
target=$(logbook_column 25 3)
expected=$(awk -F, -v t="$target" 'NR > 1 && $3 + 0 <= t + 0 { print $1; exit }' \
  "$reference/logbook.csv")
check_stopping_rule target_fitness "$expected" --set run.target_fitness="$target"
finish
