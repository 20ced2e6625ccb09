#!/usr/bin/env bash
# The external-program evaluator (problem.name = "command") under real mpirun:
#  1. a well-behaved program (awk summing squares, %.17g) gives results identical at 1, 2
#     and 4 ranks, and identical to the built-in sphere with the same seed and bounds
#     (%.17g round-trips every double, both ways);
#  2. no scratch directory and no program process is left behind;
#  3. a program that always fails (`false`) ends the run with exit code 1 and a message
#     naming the individual and the status detail (whatever dispatch.retries says);
#  4. the program does not inherit the MPI launcher's variables, so an MPI program works;
#  5. a program that misbehaves in every way is classified as it says it misbehaved, leaves
#     nothing behind, and gives the same result on 1 and 3 ranks.
source "$(dirname "$0")/lib.sh"

base=$(scratch command)
scratch_root="$base/tmp"
mkdir -p "$scratch_root"

cat >"$base/common.toml" <<'TOML'
[run]
seed = 11
generations = 5

[problem]
name = "sphere"
dimension = 5

[genome]
lower = -5.12
upper = 5.12

[algorithm]
population = 20

[checkpoint]
every_generations = 1
TOML

cat >"$base/command.toml" <<'TOML'
[run]
seed = 11
generations = 5

[problem]
name = "command"
dimension = 5

[command]
argv = ["awk", "{ s += $1 * $1 } END { printf \"%.17g\\n\", s }"]
input = "lines"
timeout_s = 60

[genome]
lower = -5.12
upper = 5.12

[algorithm]
population = 20

[checkpoint]
every_generations = 1
TOML

if evo_run 2 run "$base/common.toml" --out "$base/sphere" >"$base/sphere.log" 2>&1; then
  pass "built-in sphere run"
else
  fail "built-in sphere run failed"
  tail -n 20 "$base/sphere.log" >&2
fi

for np in 1 2 4; do
  if ! TMPDIR="$scratch_root" evo_run $np run "$base/command.toml" --out "$base/np$np" \
    >"$base/np$np.log" 2>&1; then
    fail "command np=$np: run failed"
    tail -n 20 "$base/np$np.log" >&2
    continue
  fi
  same_results "$base/sphere" "$base/np$np" "command np=$np vs built-in sphere" &&
    pass "command np=$np identical to the built-in sphere"
done

# Every scratch directory was removed after its (successful) evaluation.
left=$(find "$scratch_root" -mindepth 1 | head -n 5)
if [[ -z "$left" ]]; then
  pass "no scratch directory left behind"
else
  fail "scratch directories left behind: $left"
fi

# command.scratch_dir is honoured (and also cleaned up).
own_scratch="$base/own-scratch"
mkdir -p "$own_scratch"
if evo_run 2 run "$base/command.toml" --out "$base/own" \
  --set run.generations=1 --set "command.scratch_dir=\"$own_scratch\"" \
  --set 'command.argv=["/bin/sh", "-c", "case \"$EVO_SCRATCH\" in '"$own_scratch"'/evocluster-*) awk \"{ s += \\$1 * \\$1 } END { printf \\\"%.17g\\\\n\\\", s }\" ;; *) echo wrong scratch $EVO_SCRATCH ;; esac"]' \
  >"$base/own.log" 2>&1; then
  if [[ -z "$(find "$own_scratch" -mindepth 1 | head -n 1)" ]]; then
    pass "command.scratch_dir used and cleaned up"
  else
    fail "command.scratch_dir not cleaned up"
  fi
else
  fail "run with command.scratch_dir failed"
  tail -n 20 "$base/own.log" >&2
fi

# A program that always fails ends the run: exit 1, the individual and the detail named.
for np in 1 2; do
  set +e
  TMPDIR="$scratch_root" evo_run $np run "$base/command.toml" --out "$base/false$np" \
    --set 'command.argv=["false"]' >"$base/false$np.log" 2>&1
  code=$?
  set -e
  if [[ $code == 1 ]] && grep -q "command 'false': non_zero_exit: exit code 1" "$base/false$np.log" &&
    grep -qi "individual\|index" "$base/false$np.log"; then
    pass "np=$np: always-failing program stops the run with exit 1 and names the status"
  else
    fail "np=$np: always-failing program: exit $code, expected 1 with the status detail"
    tail -n 10 "$base/false$np.log" >&2
  fi
done

# A program that fails for some genomes (first gene below -3): they are retried (a non-zero
# exit is retried only when dispatch.retry_on names it), then given the failure fitness; the
# run completes, the logbook counts them, and the result is the same on every rank count.
failing='["/bin/sh", "-c", "awk \"NR == 1 && \\$1 < -3 { exit 3 } { s += \\$1 * \\$1 } END { printf \\\"%.17g\\\\n\\\", s }\""]'
for np in 1 3; do
  if ! TMPDIR="$scratch_root" evo_run $np run "$base/command.toml" --out "$base/partial$np" \
    --set "command.argv=$failing" --set dispatch.retries=1 --set dispatch.failure_fitness=1e9 \
    --set 'dispatch.retry_on=["non_zero_exit"]' >"$base/partial$np.log" 2>&1; then
    fail "np=$np: a program failing for some genomes ended the run"
    tail -n 10 "$base/partial$np.log" >&2
  fi
done
failed_total=$(awk -F, 'NR > 1 { s += $7 } END { print s + 0 }' "$base/partial1/logbook.csv")
if ((failed_total > 0)) && grep -q "given the failure fitness 1000000000" "$base/partial1.log" &&
  grep -q "evaluation failed, retrying" "$base/partial1.log"; then
  pass "failing genomes retried, then given the failure fitness ($failed_total counted in the logbook)"
else
  fail "failing genomes: logbook counts $failed_total, or the log lacks the retry/failure lines"
fi
# min, avg, max, std leave the failures out (issue 14 item 11: std was inf), and stay finite.
bad_rows=$(awk -F, 'NR > 1 && $7 > 0 {
    if ($3 ~ /inf|nan/ || $4 ~ /inf|nan/ || $5 ~ /inf|nan/ || $6 ~ /inf|nan/ ||
        ($5 + 0 >= 1e9 && !($3 + 0 == 1e9 && $6 + 0 == 0))) print $1 }' "$base/partial1/logbook.csv")
if [[ -z $bad_rows ]]; then
  pass "logbook statistics of generations with failures cover the successful ones, all finite"
else
  fail "logbook rows with failures include the failure fitness or non-finite values: gen $bad_rows"
fi
# column_sum CSV NAME: the sum of a column, found by its header.
column_sum() {
  awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; ++i) if ($i == name) c = i; next }
    { s += $c } END { print s + 0 }' "$1"
}
# The logbook's failure classes count exactly the failed attempts the log reports (in full or
# summarised), all non_zero_exit; workers.csv accounts for every evaluation attempt (retried
# ones too).
for np in 1 3; do
  # In full for the first few of a generation, then in the generation's summary line.
  logged=$(grep -c "evaluation failed.*(non_zero_exit" "$base/partial$np.log" || true)
  summarised=$(sed -n 's/.*generation [0-9]*: \([0-9]*\) more failures\{0,1\} (non_zero_exit \1).*/\1/p' \
    "$base/partial$np.log" | awk '{ s += $1 } END { print s + 0 }')
  logged=$((logged + summarised))
  counted=$(column_sum "$base/partial$np/logbook.csv" status_non_zero_exit)
  others=0
  for class in status_failed status_signaled status_timeout status_garbage status_non_finite; do
    others=$((others + $(column_sum "$base/partial$np/logbook.csv" $class)))
  done
  tasks=$(column_sum "$base/partial$np/workers.csv" tasks)
  evals=$(column_sum "$base/partial$np/logbook.csv" evals)
  retried=$(column_sum "$base/partial$np/logbook.csv" retried)
  if ((logged > 0 && counted == logged && others == 0 && tasks == evals + retried)); then
    pass "np=$np: logbook status_non_zero_exit = $counted = failed attempts logged; workers.csv: $tasks tasks"
  else
    fail "np=$np: status_non_zero_exit $counted vs $logged logged, other classes $others, workers.csv tasks $tasks vs $evals evaluations + $retried retried"
  fi
done
same_results "$base/partial1" "$base/partial3" "failing genomes np=1 vs np=3" &&
  pass "failing genomes: identical on 1 and 3 ranks"

# The MPI launcher's variables (OMPI_*, PMIX_*, PMI_*, MPI_*: every rank has them) do not
# reach the program, which could be an MPI program of its own: one that sees any fails, and
# an always-failing program stops the run.
no_mpi_env='["awk", "BEGIN { for (k in ENVIRON) if (k ~ /^(OMPI|PMIX|PMI|MPI)_/) { print \"inherited \" k > \"/dev/stderr\"; exit 3 } print 1 }"]'
if TMPDIR="$scratch_root" evo_run 2 run "$base/command.toml" --out "$base/env" \
  --set run.generations=1 --set "command.argv=$no_mpi_env" >"$base/env.log" 2>&1; then
  pass "np=2: the program sees none of the MPI launcher's variables"
else
  fail "np=2: the program inherited MPI launcher variables: $(grep -o 'inherited [A-Z_]*' "$base/env.log" | sort -u | head -n 3 | tr '\n' ' ')"
fi

# ... so an MPI program works as the fitness program: it starts as a singleton (size 1).
mpi_program=${EVO_MPI_PROGRAM:-$(dirname "$EVO_BIN")/e2e_mpi_program}
if TMPDIR="$scratch_root" evo_run 2 run "$base/command.toml" --out "$base/mpi" \
  --set run.generations=0 --set algorithm.population=4 --set command.input=none \
  --set "command.argv=[\"$mpi_program\"]" >"$base/mpi.log" 2>&1 &&
  grep -q "best 1.000000e+00  mean 1.000000e+00" "$base/mpi.log"; then
  pass "np=2: an MPI program as the fitness program starts as a singleton"
else
  fail "np=2: an MPI program as the fitness program failed"
  tail -n 10 "$base/mpi.log" >&2
fi

# A misbehaving program under mpirun (tests/worker/fake_simulation.sh: by its first gene it
# exits 3, kills itself with SIGSEGV, hangs ignoring SIGTERM, prints garbage, NaN or nothing,
# leaves a grandchild holding stdout, or works; a random first generation of 60 shows all of
# it): the run completes, the logbook counts each class exactly as often as the program says
# it misbehaved so, nothing of any program's process group is left, and 1 and 3 ranks give
# the same result. The timeout leaves a well-behaved program seconds of slack: on a loaded
# 2-core machine one that merely started late would otherwise count as a timeout.
fake="$EVO_SOURCE_DIR/tests/worker/fake_simulation.sh"
for np in 1 3; do
  rm -f "$base/flaky$np.outcomes" "$base/flaky$np.pids"
  if ! FAKE_SIM_OUTCOME_FILE="$base/flaky$np.outcomes" FAKE_SIM_PID_FILE="$base/flaky$np.pids" \
    TMPDIR="$scratch_root" evo_run $np run "$base/command.toml" --out "$base/flaky$np" \
    --set run.generations=0 --set algorithm.population=60 --set "command.argv=[\"bash\", \"$fake\"]" \
    --set command.timeout_s=3 --set command.kill_grace_s=0.3 --set dispatch.retries=0 \
    --set dispatch.max_failure_share=1 --set dispatch.failure_fitness=1e9 \
    >"$base/flaky$np.log" 2>&1; then
    fail "np=$np: the run with a misbehaving program failed"
    tail -n 10 "$base/flaky$np.log" >&2
    continue
  fi
  said=$(awk '{ n[$1]++ } END { printf "%d %d %d %d %d", n["exit3"], n["segv"], n["hang"],
    n["garbage"] + n["nothing"], n["nan"] }' "$base/flaky$np.outcomes")
  counted=""
  for class in non_zero_exit signaled timeout garbage non_finite; do
    counted+="$(column_sum "$base/flaky$np/logbook.csv" status_$class) "
  done
  counted=${counted% }
  kinds=$(sort -u "$base/flaky$np.outcomes" | wc -l)
  if [[ "$said" == "$counted" ]] && ((kinds == 8)); then
    pass "np=$np: non_zero_exit signaled timeout garbage non_finite = $counted, as the program says"
  else
    fail "np=$np: the logbook counts $counted (non_zero_exit signaled timeout garbage non_finite), the program says $said ($kinds of its 8 behaviours seen)"
  fi
  sleep 0.5  # SIGKILL takes a moment to land; killed leftovers are reaped by init
  groups=$(sort -u "$base/flaky$np.pids" | paste -sd' ')
  alive=$(ps -e -o pid=,pgid=,stat=,args= | awk -v groups=" $groups " \
    'index(groups, " " $2 " ") && $3 !~ /^Z/')
  if [[ -z "$alive" ]]; then
    pass "np=$np: nothing of the $(wc -l <"$base/flaky$np.pids") programs' process groups is left"
  else
    fail "np=$np: processes of the programs' groups are left: $alive"
  fi
done
same_results "$base/flaky1" "$base/flaky3" "misbehaving program np=1 vs np=3" &&
  pass "misbehaving program: identical on 1 and 3 ranks"

# No program process is left (awk/false run only inside evaluations).
if pgrep -f "evocluster.*$base" >/dev/null; then
  fail "evocluster processes left behind"
else
  pass "no process left behind"
fi
finish
