#!/usr/bin/env bash
# A stop abandons the work in flight instead of waiting for it. SIGUSR1 to mpirun (3 ranks,
# and 1 for the command) in the middle of a generation of
#   builtin: built-in evaluations of 200 ms (problem.delay_ms), and
#   command: a command program that sleeps 60 s (while a file exists: the stop then comes
#            while the initial population is evaluated, the checkpoint holds no population),
# must give a durable checkpoint that verifies, exit 85, no rank and no program left, all
# within a bound meant only to catch a hang (10 s; scripts/bench-stop.sh measures), and a
# resume that finishes identical to an uninterrupted run.
source "$(dirname "$0")/lib.sh"

base=$(scratch stop-fast)
stall="$base/stall"  # while it exists, the program sleeps 60 s
pids="$base/program.pids"
cat >"$base/program.sh" <<SH
#!/usr/bin/env bash
genome=\$(cat)
echo \$\$ >>"$pids"
if [[ -e "$stall" ]]; then exec sleep 60; fi
printf '%s\n' "\$genome" | awk '{ s += \$1 * \$1 } END { printf "%.17g\n", s }'
SH
chmod +x "$base/program.sh"

common=(--set problem.dimension=4 --set algorithm.population=12 --set run.generations=4
  --set checkpoint.every_generations=100 --set dispatch.batch=1)
builtin=(run "$EVO_SOURCE_DIR/examples/demo.toml" "${common[@]}" --set problem.name=sphere
  --set problem.delay_ms=200)
command=(run "$EVO_SOURCE_DIR/examples/demo.toml" "${common[@]}" --set problem.name=command
  --set "command.argv=[\"$base/program.sh\"]" --set command.input=lines
  --set genome.lower=-5.12 --set genome.upper=5.12)

checkpoint_count() { { ls "$1"/checkpoints/ckpt-*.h5 2>/dev/null || true; } | wc -l; }

# stop_mid_generation CASE NP ARGS...: runs ARGS on NP ranks, sends SIGUSR1 while a
# generation is being evaluated, checks the stop, resumes and compares with
# $base/CASE-reference.
stop_mid_generation() {
  local case=$1 np=$2
  shift 2
  local out="$base/$case"
  evo_run "$np" "$@" --out "$base/$case-reference" >"$base/$case-reference.log" 2>&1 ||
    fail "$case: the uninterrupted run failed"
  rm -f "$pids"
  [[ $case == command* ]] && touch "$stall"
  start_detached "$out" "$np" "$@"
  local pid=$detached_pid
  if [[ $case == command* ]]; then
    # A program running on every worker (on the master itself with one rank).
    for _ in $(seq 1000); do
      (($(cat "$pids" 2>/dev/null | wc -l) >= (np > 1 ? np - 1 : 1))) && break
      sleep 0.01
    done
  else
    wait_for_generation "$out" 1 || fail "$case: generation 1 was never logged"
    sleep 0.3  # generation 2 under way: evaluations running on both workers
  fi
  local before
  before=$(checkpoint_count "$out")
  local sent=$SECONDS
  kill -USR1 "$pid"
  local rc=""
  for _ in $(seq 1000); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rc=0
      wait "$pid" || rc=$?
      break
    fi
    sleep 0.01
  done
  rm -f "$stall"
  if [[ -z $rc ]]; then
    fail "$case: still running 10 s after SIGUSR1"
    kill_session "$pid"
    wait "$pid" 2>/dev/null || true
    return
  fi
  local left
  # Zombies aside: here PID 1 may be slow to reap what mpirun left it.
  left=$(ps -o pid=,stat= -s "$pid" 2>/dev/null | awk '$2 !~ /^Z/ { print $1 }' || true)
  [[ -z $left ]] || fail "$case: processes of the run left after it exited: $left"
  local alive=0 program
  for program in $(cat "$pids" 2>/dev/null); do
    kill -0 "$program" 2>/dev/null && alive=$((alive + 1))
  done
  ((alive == 0)) || fail "$case: $alive evaluator programs still running"
  if [[ $rc != 85 ]]; then
    fail "$case: exit $rc after SIGUSR1, expected 85"
    tail -n 5 "$out.log" >&2
    return
  fi
  if (($(checkpoint_count "$out") <= before)); then
    fail "$case: no checkpoint after the signal"
    return
  fi
  if ! "$EVO_BIN" verify "$(newest_checkpoint "$out")" >/dev/null; then
    fail "$case: the signal checkpoint does not verify"
    return
  fi
  grep -q "stopped by SIGUSR1 in generation [0-9]" "$out.log" ||
    fail "$case: the log does not say it stopped in the middle of a generation"
  pass "$case: SIGUSR1 mid-generation: checkpoint verifies, exit 85 within $((SECONDS - sent)) s, no rank or program left"
  if evo_run "$np" "$@" --out "$out" >>"$out.log" 2>&1; then
    same_results "$base/$case-reference" "$out" "$case: stopped and resumed" &&
      pass "$case: resumed: identical to the uninterrupted run"
  else
    fail "$case: the resume failed"
    tail -n 5 "$out.log" >&2
  fi
}

stop_mid_generation builtin 3 "${builtin[@]}"
stop_mid_generation command 3 "${command[@]}"
# One rank: the master evaluates itself, and gives its evaluation up just as workers do.
stop_mid_generation command-np1 1 "${command[@]}"
finish
