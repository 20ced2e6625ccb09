#!/usr/bin/env bash
# The determinism contract across nodes, on the virtual cluster (scripts/virtual-cluster.sh;
# every node a network + UTS namespace, ranks over TCP only): the same config gives
# identical results on 1 node x 4 ranks, 2 nodes x 2 and 4 nodes x 1, and a run killed with
# kill -9 (mpirun and every rank on every node) after its first checkpoint, then resumed
# on another layout (4 x 1 instead of 2 x 2), finishes identical too.
source "$(dirname "$0")/cluster_lib.sh"

base=$(scratch cluster-layouts)
config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=noisy_sphere
  --set problem.dimension=8 --set problem.delay_ms=1 --set algorithm.population=32
  --set run.generations=12 --set checkpoint.every_generations=3)

declare -A layouts=([1x4]=vc-node1:4 [2x2]=vc-node1:2,vc-node2:2
  [4x1]=vc-node1:1,vc-node2:1,vc-node3:1,vc-node4:1)
for layout in 1x4 2x2 4x1; do
  if ! vc_run "${layouts[$layout]}" 4 "${config[@]}" --out "$base/$layout" \
    >"$base/$layout.log" 2>&1; then
    fail "layout $layout: run failed"
    tail -n 20 "$base/$layout.log" >&2
  fi
done
for layout in 2x2 4x1; do
  same_results "$base/1x4" "$base/$layout" "layout $layout vs 1x4" &&
    pass "layout $layout identical to 1 node x 4 ranks"
done

# kill -9 on 2 x 2 after the first checkpoint, resume on 4 x 1.
out="$base/killed"
vc_start_detached "$out" "${layouts[2x2]}" 4 "${config[@]}" --set problem.delay_ms=6
pid=$detached_pid
wait_for_checkpoint "$out" || fail "killed run: no checkpoint within 30 s"
sleep 0.3
if kill -0 "$pid" 2>/dev/null; then
  kill_session "$pid"
  "$vc_script" kill-node 1 >/dev/null
  "$vc_script" kill-node 2 >/dev/null
  wait "$pid" 2>/dev/null || true
  if ! vc_run "${layouts[4x1]}" 4 "${config[@]}" --set problem.delay_ms=6 --out "$out" \
    >>"$out.log" 2>&1; then
    fail "resume on 4 x 1 failed"
    tail -n 20 "$out.log" >&2
  elif ! grep -q "resuming from" "$out.log"; then
    fail "the run on 4 x 1 did not resume from a checkpoint"
  else
    resumed_at=$(grep -o "resuming from .*generation [0-9]*" "$out.log" | grep -o "[0-9]*$")
    same_results "$base/1x4" "$out" "killed on 2x2, resumed on 4x1" &&
      pass "killed on 2 x 2, resumed at generation $resumed_at on 4 x 1: identical"
  fi
else
  wait "$pid" 2>/dev/null || true
  fail "the run finished before the kill; the test needs a slower run"
fi
leftover=$(node_processes)
[[ -z $leftover ]] && pass "no process left on any node" || fail "processes left: $leftover"
finish
