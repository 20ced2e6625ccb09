#!/usr/bin/env bash
# A misbehaving "simulation" for the command evaluator tests. Reads the genome from stdin,
# one number per line, and behaves according to the first gene x0:
#
#   x0 < -4          exits with code 3 (after a line on stderr)
#   -4 <= x0 < -3    kills itself with SIGSEGV
#   -3 <= x0 < -2    ignores SIGTERM and sleeps 30 s (only SIGKILL ends it)
#   -2 <= x0 < -1    prints garbage
#   -1 <= x0 < -0.5  prints nan
#   -0.5 <= x0 < -0.25  prints nothing
#   -0.25 <= x0 < 0  leaves a grandchild (sleep 30) holding stdout, prints the sum of
#                    squares and exits 0
#   x0 >= 0          prints the sum of squares (%.17g) and exits 0
#
# With FAKE_SIM_PID_FILE set, appends its pid (= its process group) there first, so tests
# can check that nothing of the group is left afterwards; with FAKE_SIM_OUTCOME_FILE set,
# appends the name of what it is about to do (exit3, segv, hang, garbage, nan, nothing,
# grandchild, ok), so tests can compare with how the evaluation was classified.
genome=$(cat)
[[ -n "${FAKE_SIM_PID_FILE:-}" ]] && echo $$ >>"$FAKE_SIM_PID_FILE"
x0=$(printf '%s\n' "$genome" | head -n 1)
sum_of_squares() { printf '%s\n' "$genome" | awk '{ s += $1 * $1 } END { printf "%.17g\n", s }'; }
bucket=$(awk -v x="$x0" 'BEGIN {
  if (x < -4) print "exit3"; else if (x < -3) print "segv"; else if (x < -2) print "hang";
  else if (x < -1) print "garbage"; else if (x < -0.5) print "nan";
  else if (x < -0.25) print "nothing"; else if (x < 0) print "grandchild"; else print "ok" }')
[[ -n "${FAKE_SIM_OUTCOME_FILE:-}" ]] && echo "$bucket" >>"$FAKE_SIM_OUTCOME_FILE"
case $bucket in
  exit3)
    echo "fake_simulation: failing on purpose with exit code 3" >&2
    exit 3
    ;;
  segv)
    ulimit -c 0
    kill -SEGV $$
    ;;
  hang)
    trap '' TERM
    sleep 30
    echo 0
    ;;
  garbage) echo "this is not a number" ;;
  nan) echo nan ;;
  nothing) ;;
  grandchild)
    sleep 30 &
    sum_of_squares
    ;;
  ok) sum_of_squares ;;
esac
exit 0
