# Helpers for the virtual-cluster tests (tests/e2e/cluster_*_test.sh): run build/evocluster
# under real mpirun across the nodes (network + UTS namespaces) that the ctest fixture
# started with scripts/virtual-cluster.sh. A cluster that is not up is a failure, never a
# skip: CI must not pass without having run these.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

vc_script="$EVO_SOURCE_DIR/scripts/virtual-cluster.sh"
if ! vc_settings=$("$vc_script" env); then
  echo "FAIL: no virtual cluster in ${EVO_VC_DIR:-/tmp/evocluster-vc}: start it with" \
    "scripts/virtual-cluster.sh start 4 (as root)" >&2
  exit 1
fi
eval "$vc_settings"

# vc_run HOSTS NP ARGS...: mpirun --host HOSTS -np NP evocluster ARGS..., from the root
# namespace, bounded to 120 s.
vc_run() {
  local hosts=$1 np=$2
  shift 2
  timeout -k 5 120 mpirun --oversubscribe --host "$hosts" -np "$np" "$EVO_BIN" "$@"
}

# vc_start_detached OUT HOSTS NP ARGS...: as start_detached (lib.sh), across the nodes.
vc_start_detached() {
  local out=$1 hosts=$2 np=$3
  shift 3
  setsid mpirun --oversubscribe --host "$hosts" -np "$np" "$EVO_BIN" "$@" --out "$out" \
    >>"$out.log" 2>&1 &
  detached_pid=$!
}

# wait_for_checkpoint OUT: waits up to 30 s for OUT's first checkpoint.
wait_for_checkpoint() {
  for _ in $(seq 1500); do
    compgen -G "$1/checkpoints/ckpt-*.h5" >/dev/null && return 0
    sleep 0.02
  done
  return 1
}

# node_processes: "vc-nodeI: PIDS" for every node that still has a process (nothing when
# every node is empty).
node_processes() {
  local i pids
  for ((i = 1; i <= $(tr ',' '\n' <<<"$EVO_VC_HOSTS" | wc -l); i++)); do
    pids=$(ip netns pids "$(vc_netns "$i")" 2>/dev/null | tr '\n' ' ')
    [[ -n ${pids// /} ]] && echo "vc-node$i: $pids"
  done
  return 0
}
vc_netns() { sed -n "s/^netns \(.*-n$1\)$/\1/p" "$EVO_VC_DIR/state"; }

# wait_nodes_empty SECONDS: 0 once no node has a process left; 1 after SECONDS.
wait_nodes_empty() {
  local deadline=$((SECONDS + $1))
  while [[ -n $(node_processes) ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
