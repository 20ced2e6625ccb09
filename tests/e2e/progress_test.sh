#!/usr/bin/env bash
# Console output around a run (issue 19, "Progress"):
#  1. during a generation longer than run.progress_seconds, status lines (done/needed, rate,
#     ETA) appear, at most one per interval; none with the default interval on a short run;
#     results are identical with and without them;
#  2. a command that fails often: each generation logs its first few failures in full and
#     then one summary line, which with them accounts for every failure the logbook counts;
#  3. --quiet hides info messages and the per-generation lines, run.log_level = "error"
#     hides warnings too; errors are still printed;
#  4. `evocluster list OUT` on a jobs = 2 run with a damaged file: one line per checkpoint of
#     both jobs, the damaged one intact = no and its reason; exit 3 for a directory without
#     checkpoints.
source "$(dirname "$0")/lib.sh"

base=$(scratch progress)

cat >"$base/slow.toml" <<'TOML'
[run]
seed = 5
generations = 1

[problem]
name = "sphere"
dimension = 3
delay_ms = 100

[algorithm]
population = 16

[checkpoint]
every_generations = 1
TOML

# 1. Progress lines: 16 x 100 ms on 2 workers is ~0.8 s a generation.
if evo_run 3 run "$base/slow.toml" --out "$base/progress" --set run.progress_seconds=0.2 \
  >"$base/progress.out" 2>"$base/progress.err" &&
  evo_run 3 run "$base/slow.toml" --out "$base/plain" --set run.progress_seconds=0 \
    >"$base/plain.out" 2>"$base/plain.err"; then
  lines=$(grep -cE '^gen [01]: [0-9]+/[0-9]+ evaluations \([0-9]+%\), [0-9.e+]+ evals/s, ETA generation [0-9]' \
    "$base/progress.out" || true)
  # At most one per 0.2 s of a ~0.8 s generation, two generations: never more than ~10.
  if ((lines >= 2 && lines <= 12)); then
    pass "progress lines during long generations ($lines)"
  else
    fail "expected 2..12 progress lines, got $lines"
    cat "$base/progress.out" >&2
  fi
  if grep -q "evaluations (" "$base/plain.out"; then
    fail "progress lines with run.progress_seconds = 0"
  else
    pass "no progress lines with run.progress_seconds = 0"
  fi
  same_results "$base/progress" "$base/plain" "progress lines change no result" &&
    pass "results identical with and without progress lines"
else
  fail "the slow runs failed"
  tail -n 5 "$base/progress.err" "$base/plain.err" >&2
fi

cat >"$base/fast.toml" <<'TOML'
[run]
seed = 5
generations = 3

[problem]
name = "sphere"
dimension = 3

[algorithm]
population = 20

[checkpoint]
every_generations = 1
TOML

# 2. About half of the genomes fail (first gene below 0); no retry, failures allowed.
cat >"$base/flaky.toml" <<'TOML'
[run]
seed = 5
generations = 3

[problem]
name = "command"
dimension = 3

[command]
argv = ["/bin/sh", "-c", "awk 'NR == 1 && $1 < 0 { exit 3 } { s += $1 * $1 } END { printf \"%.17g\\n\", s }'"]

[genome]
lower = -1
upper = 1

[algorithm]
population = 40

[dispatch]
retries = 0
max_failure_share = 1
failure_fitness = 1e9
TOML
if evo_run 2 run "$base/flaky.toml" --out "$base/flaky" >"$base/flaky.out" 2>"$base/flaky.err"; then
  counted=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; ++i) if ($i == "status_non_zero_exit") c = i }
                     NR > 1 { s += $c } END { print s + 0 }' "$base/flaky/logbook.csv")
  in_full=$(grep -c "evaluation failed" "$base/flaky.err" || true)
  summarised=$(sed -n 's/.*generation [0-9]*: \([0-9]*\) more failures\{0,1\} (non_zero_exit \1).*/\1/p' \
    "$base/flaky.err" | awk '{ s += $1 } END { print s + 0 }')
  summaries=$(grep -c "more failure" "$base/flaky.err" || true)
  # 4 generations (0..3), at most 3 in full each.
  if ((counted > 20 && in_full <= 12 && summaries >= 1 && summaries <= 4 &&
    in_full + summarised == counted)); then
    pass "failures summarised: $in_full in full + $summarised in $summaries summaries = $counted"
  else
    fail "failures: logbook $counted, in full $in_full, summarised $summarised in $summaries lines"
    grep -E "failed|more failure" "$base/flaky.err" | head -n 20 >&2
  fi
else
  fail "the flaky run failed"
  tail -n 5 "$base/flaky.err" >&2
fi

# 3. --quiet and run.log_level.
if evo_run 2 run "$base/fast.toml" --out "$base/loud" >"$base/loud.log" 2>&1 &&
  evo_run 2 run "$base/fast.toml" --out "$base/quiet" --quiet >"$base/quiet.log" 2>&1; then
  if grep -q "info:" "$base/loud.log" && grep -q "^gen " "$base/loud.log"; then
    pass "a default run prints info messages and per-generation lines"
  else
    fail "a default run lacks info messages or per-generation lines"
  fi
  if [[ ! -s $base/quiet.log ]]; then
    pass "--quiet prints nothing for a run without warnings"
  else
    fail "--quiet printed:"
    head -n 5 "$base/quiet.log" >&2
  fi
  same_results "$base/loud" "$base/quiet" "--quiet" && pass "--quiet changes no result"
else
  fail "the --quiet runs failed"
fi
evo_run 2 run "$base/flaky.toml" --out "$base/flaky-warn" --quiet >"$base/flaky-warn.log" 2>&1 || true
evo_run 2 run "$base/flaky.toml" --out "$base/flaky-error" --set run.log_level='"error"' \
  >"$base/flaky-error.log" 2>&1 || true
if grep -q "warning:" "$base/flaky-warn.log" && ! grep -q "info:" "$base/flaky-warn.log" &&
  [[ ! -s $base/flaky-error.log ]]; then
  pass "--quiet keeps warnings; run.log_level = \"error\" hides them too"
else
  fail "warnings under --quiet / log_level = error not as expected"
fi
if ! evo_run 1 run "$base/fast.toml" --out "$base/bad" --quiet --set run.log_level='"loud"' \
  >"$base/bad.log" 2>&1 && grep -q "run.log_level" "$base/bad.log"; then
  pass "a bad run.log_level is an error naming the key, printed under --quiet"
else
  fail "a bad run.log_level was not reported"
fi

# 4. evocluster list.
if evo_run 2 run "$base/fast.toml" --out "$base/jobs" --set run.jobs=2 >"$base/jobs.log" 2>&1; then
  victim=$(ls "$base"/jobs/job.1/checkpoints/ckpt-*.h5 | sort | head -n 1)
  printf 'garbage' | dd of="$victim" bs=1 seek=2000 conv=notrunc status=none
  code=0
  "$EVO_BIN" list "$base/jobs" >"$base/list.out" 2>"$base/list.err" || code=$?
  total=$(ls "$base"/jobs/job.*/checkpoints/ckpt-*.h5 | wc -l)
  rows=$(grep -cE "^job\.[01]/checkpoints/ckpt-[^ :]+\.h5 " "$base/list.out" || true)
  victim_row=$(awk -v f="job.1/checkpoints/$(basename "$victim")" '$1 == f' "$base/list.out")
  # The damaged file: job, generation, final and stop_reason unknown, intact = no.
  victim_ok=$(awk -v f="job.1/checkpoints/$(basename "$victim")" \
    '$1 == f && $3 == "-" && $4 == "-" && $5 == "-" && $6 == "-" && $7 == "no" { print "y" }' \
    "$base/list.out")
  final_rows=$(awk '$4 == 3 && $5 == "yes" && $6 == "generations" && $7 == "yes"' \
    "$base/list.out" | wc -l)
  if ((code == 0 && rows == total)) && [[ $victim_ok == y ]] &&
    grep -q "^job.1/checkpoints/$(basename "$victim"): DAMAGED: " "$base/list.out" &&
    ((final_rows == 2)) && head -n 1 "$base/list.out" | grep -qE "^file +sequence +job +generation +final +stop_reason +intact +size$"; then
    pass "list: $rows checkpoints of 2 jobs, the damaged one intact = no"
  else
    fail "list: exit $code, $rows of $total rows, victim row '$victim_row', $final_rows final rows"
    cat "$base/list.out" "$base/list.err" >&2
  fi
  code=0
  mkdir -p "$base/empty"
  "$EVO_BIN" list "$base/empty" >/dev/null 2>"$base/empty.err" || code=$?
  if ((code == 3)) && grep -q "no checkpoint" "$base/empty.err"; then
    pass "list of a directory without checkpoints: exit 3"
  else
    fail "list of an empty directory: exit $code"
  fi
else
  fail "the jobs = 2 run failed"
  tail -n 5 "$base/jobs.log" >&2
fi

finish
