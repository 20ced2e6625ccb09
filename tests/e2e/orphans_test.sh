#!/usr/bin/env bash
# No evaluator program outlives its worker (issue 14, test 3). The program ignores SIGTERM
# and starts a grandchild that left the session with setsid and one behind a double fork;
# each process is found by a sleep duration unique to this test run.
#   1. kill -9 of mpirun and every rank mid-evaluation (not of the guards): nothing left 2 s
#      later.
#   2. the normal timeout path (command.timeout_s) kills the whole tree too.
source "$(dirname "$0")/lib.sh"

base=$(scratch orphans)
tag=$((700000 + RANDOM * 4))
durations=("$tag" "$((tag + 1))" "$((tag + 2))")
program="trap '' TERM; setsid sleep ${durations[1]} & (sleep ${durations[2]} &) ; sleep ${durations[0]}; echo 1"
leftovers() { for d in "${durations[@]}"; do pgrep -f "^sleep $d\$" || true; done; }
# expect_none_left LABEL: passes when no evaluator process of this test is alive.
expect_none_left() {
  local left
  left=$(leftovers | wc -l)
  if [[ $left == 0 ]]; then
    pass "$1: no program left"
  else
    fail "$1: $left evaluator processes left: $(leftovers | xargs -r ps -o pid,ppid,args -p)"
  fi
}
cleanup() {
  for d in "${durations[@]}"; do pkill -9 -f "^sleep $d\$" 2>/dev/null || true; done
  [[ -n ${detached_pid:-} ]] && kill_session "$detached_pid"
  return 0
}
trap cleanup EXIT

cat >"$base/orphans.toml" <<TOML
[run]
seed = 3
generations = 1
[problem]
name = "command"
dimension = 2
[command]
argv = ["/bin/sh", "-c", "$program"]
timeout_s = 600
[genome]
lower = -1.0
upper = 1.0
[algorithm]
population = 2
TOML

# 1. kill -9 of the launch while every program hangs.
start_detached "$base/out" 3 run "$base/orphans.toml"
started=0
for _ in $(seq 750); do
  if [[ $(leftovers | wc -l) -ge 6 ]]; then started=1; break; fi
  sleep 0.02
done
if ((started)); then
  ranks=$(pgrep -s "$detached_pid" -x evocluster | tr '\n' ' ')
  # shellcheck disable=SC2086  # one pid per word
  kill -9 "$detached_pid" $ranks
  sleep 2
  expect_none_left "kill -9 of mpirun and ranks ($ranks), 2 s later"
else
  fail "the programs and their grandchildren did not start: $(tail -n 5 "$base/out.log")"
fi
cleanup
detached_pid=""

# 2. A timeout kills the program, its setsid grandchild and the double-forked one.
if evo_run 2 run "$base/orphans.toml" --set command.timeout_s=1 --set dispatch.retries=0 \
  --set dispatch.max_failure_share=1.0 --out "$base/timeout" >"$base/timeout.log" 2>&1; then
  sleep 1
  expect_none_left "timeouts kill the whole tree of every program"
else
  fail "the timeout run failed: $(tail -n 5 "$base/timeout.log")"
fi
finish
