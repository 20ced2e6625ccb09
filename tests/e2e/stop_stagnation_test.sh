#!/usr/bin/env bash
# Issue 19 test 2, run.stagnation_generations with run.stagnation_tolerance
# (tests/e2e/stopping_rule_lib.sh): the expected generation is computed from the reference
# logbook with the documented rule, best(g - N) - best(g) <= tolerance for best-so-far.
source "$(dirname "$0")/stopping_rule_lib.sh"
base=$(scratch stop-stagnation)
reference_run
window=4
tolerance=0.01
expected=$(awk -F, -v n=$window -v tol=$tolerance '
  NR > 1 { g = $1; b = (NR == 2 || $3 + 0 < b) ? $3 + 0 : b; best[g] = b
           if (g >= n && best[g - n] - b <= tol) { print g; exit } }' "$reference/logbook.csv")
check_stopping_rule stagnation "$expected" --set run.stagnation_generations=$window \
  --set run.stagnation_tolerance=$tolerance
finish
