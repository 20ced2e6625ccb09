#!/usr/bin/env bash
# A virtual cluster on one machine: N "nodes", each a network namespace plus a UTS namespace
# with its own host name (vc-node1, vc-node2, ...), joined by a bridge in the root namespace.
# The nodes have addresses from a private /24 that exists only on that bridge (no route out,
# no forwarding), so all traffic stays inside this machine. mpirun runs in the root
# namespace and reaches the nodes over the bridge; an rsh agent starts orted inside the
# right namespaces. The namespaces share the filesystem, as nodes share a parallel one.
#
#   scripts/virtual-cluster.sh start N   bring up N nodes (does nothing if they are up)
#   scripts/virtual-cluster.sh stop      kill every process on the nodes, remove exactly
#                                        what start made (idempotent)
#   scripts/virtual-cluster.sh status    list the nodes and the processes on each
#   eval "$(scripts/virtual-cluster.sh env)"   the mpirun settings (OMPI_MCA_*, EVO_VC_*)
#
# Then: mpirun --host vc-node1:2,vc-node2:2 -np 4 build/evocluster run CONFIG.toml
#
# Instance: $EVO_VC_DIR (default /tmp/evocluster-vc) holds the state file, the agent and
# the nodes' own TMPDIRs; every resource name carries the prefix "evc" and an instance id
# derived from that directory ($EVO_VC_ID overrides it), and the subnet 10.237.K.0/24 has
# K derived from it too ($EVO_VC_SUBNET overrides: "10.237.5"), so two checkouts can run
# clusters side by side. Root only (namespaces need it).
set -euo pipefail

dir=${EVO_VC_DIR:-/tmp/evocluster-vc}
dir=$(realpath -m "$dir")
id=${EVO_VC_ID:-$(printf %s "$dir" | md5sum | cut -c1-4)}
[[ $id =~ ^[0-9a-z]{1,4}$ ]] || {
  echo "virtual-cluster: EVO_VC_ID must be 1-4 characters [0-9a-z], got '$id'" >&2
  exit 2
}
prefix="evc$id"
state="$dir/state"

die() {
  echo "virtual-cluster: $*" >&2
  exit 1
}

default_subnet() { echo "10.237.$((0x$(printf %s "$id" | md5sum | cut -c1-4) % 250 + 1))"; }

# record KIND NAME: appends one resource to the state file before it is made, so that a
# start cut short is still cleaned up completely by stop.
record() { echo "$1 $2" >>"$state"; }

bridge_name() { echo "${prefix}br"; }
netns_name() { echo "${prefix}-n$1"; }
veth_name() { echo "${prefix}v$1"; }

start() {
  local count=$1
  [[ $count =~ ^[1-9][0-9]*$ ]] && ((count <= 64)) || die "start: N must be 1..64, got '$count'"
  [[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces need it)"
  if [[ -f $state ]]; then
    if [[ $(sed -n 's/^nodes //p' "$state") == "$count" ]] && healthy; then
      echo "virtual-cluster: already up ($count nodes, $dir)"
      return
    fi
    stop >/dev/null
  fi
  local subnet=${EVO_VC_SUBNET:-$(default_subnet)}
  [[ $subnet =~ ^10\.[0-9]+\.[0-9]+$ ]] || die "EVO_VC_SUBNET must look like 10.237.5, got '$subnet'"
  if ip -4 -o addr show | grep -q " $subnet\."; then
    die "the subnet $subnet.0/24 is already in use on this machine; set EVO_VC_SUBNET"
  fi
  install -d -m 0755 "$dir" "$dir/uts" "$dir/tmp"
  : >"$state"
  echo "subnet $subnet" >>"$state"
  echo "nodes $count" >>"$state"

  local bridge
  bridge=$(bridge_name)
  record bridge "$bridge"
  ip link add "$bridge" type bridge
  ip addr add "$subnet.254/24" dev "$bridge"
  ip link set "$bridge" up
  local i ns veth uts
  for ((i = 1; i <= count; i++)); do
    ns=$(netns_name "$i")
    veth=$(veth_name "$i")
    uts="$dir/uts/vc-node$i"
    record netns "$ns"
    ip netns add "$ns"
    record veth "$veth"
    ip link add "$veth" type veth peer name eth0 netns "$ns"
    ip link set "$veth" master "$bridge" up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$subnet.$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    # A persistent UTS namespace (bind-mounted on a file) with the node's host name.
    record uts "$uts"
    touch "$uts"
    unshare --uts="$uts" hostname "vc-node$i"
    install -d -m 1777 "$dir/tmp/vc-node$i"
  done
  write_agent
  # Bounded wait until every node's port on the bridge forwards (state 3) and its eth0 is
  # up: links take a moment after creation.
  for ((i = 1; i <= count; i++)); do
    local up=0
    for _ in $(seq 100); do
      if [[ $(cat "/sys/class/net/$(veth_name "$i")/brport/state" 2>/dev/null) == 3 &&
        $(ip netns exec "$(netns_name "$i")" cat /sys/class/net/eth0/operstate) == up ]]; then
        up=1
        break
      fi
      sleep 0.05
    done
    ((up)) || die "node vc-node$i ($subnet.$i) did not come up on $bridge"
  done
  echo "virtual-cluster: up ($count nodes on $subnet.0/24, bridge $bridge, $dir)"
}

# The rsh agent Open MPI calls as `AGENT [options] HOST COMMAND...`: runs COMMAND through
# a shell inside HOST's network and UTS namespaces, with the node's own TMPDIR (node-local
# scratch: Open MPI's session directory, command.scratch_dir = "").
write_agent() {
  cat >"$dir/rsh-agent" <<AGENT
#!/usr/bin/env bash
# Written by scripts/virtual-cluster.sh for the cluster in $dir. Do not edit.
set -euo pipefail
while [[ \${1:-} == -* ]]; do shift; done
host=\${1:?usage: \$0 HOST COMMAND...}
shift
node=\${host#vc-node}
node=\${node%%.*}
[[ \$node =~ ^[0-9]+\$ && -e $dir/uts/vc-node\$node ]] || {
  echo "rsh-agent: no node '\$host' in the virtual cluster $dir" >&2
  exit 255
}
export TMPDIR=$dir/tmp/vc-node\$node
exec nsenter --net=/run/netns/$prefix-n\$node --uts=$dir/uts/vc-node\$node -- /bin/sh -c "\$*"
AGENT
  chmod 0755 "$dir/rsh-agent"
}

# Every namespace of the state file still exists.
healthy() {
  local kind name
  while read -r kind name; do
    case $kind in
      netns) [[ -e /run/netns/$name ]] || return 1 ;;
      bridge | veth) ip link show "$name" >/dev/null 2>&1 || return 1 ;;
      uts) [[ -e $name ]] || return 1 ;;
    esac
  done <"$state"
}

# pids_in NETNS: the processes inside one node's network namespace.
pids_in() { ip netns pids "$1" 2>/dev/null || true; }

# kill_node I: SIGKILLs every process of node I (a node dying) and waits until they are gone.
kill_node() {
  local ns pids
  ns=$(netns_name "$1")
  [[ -e /run/netns/$ns ]] || die "kill-node: no node $1"
  for _ in $(seq 100); do
    pids=$(pids_in "$ns")
    [[ -z $pids ]] && return 0
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.05
  done
  die "kill-node: processes left on node $1: $(pids_in "$ns")"
}

stop() {
  if [[ ! -f $state ]]; then
    echo "virtual-cluster: not running ($dir)"
    return
  fi
  local kind name lines=()
  mapfile -t lines < <(tac "$state")
  # Processes first, so no rank outlives its node.
  for line in "${lines[@]}"; do
    read -r kind name <<<"$line"
    if [[ $kind == netns && -e /run/netns/$name ]]; then
      for _ in $(seq 100); do
        local pids
        pids=$(pids_in "$name")
        [[ -z $pids ]] && break
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
        sleep 0.05
      done
    fi
  done
  for line in "${lines[@]}"; do
    read -r kind name <<<"$line"
    case $kind in
      uts)
        umount "$name" 2>/dev/null || true
        rm -f "$name"
        ;;
      veth) ip link del "$name" 2>/dev/null || true ;;
      netns) [[ -e /run/netns/$name ]] && ip netns del "$name" ;;
      bridge) ip link del "$name" 2>/dev/null || true ;;
    esac
  done
  rm -rf "$dir/tmp" "$dir/uts" "$dir/rsh-agent" "$state"
  rmdir "$dir" 2>/dev/null || true
  echo "virtual-cluster: stopped ($dir)"
}

status() {
  [[ -f $state ]] || die "not running ($dir)"
  local subnet count i ns
  subnet=$(sed -n 's/^subnet //p' "$state")
  count=$(sed -n 's/^nodes //p' "$state")
  healthy || die "damaged: a resource of $state is missing; run stop, then start"
  echo "virtual cluster $dir: $count nodes on $subnet.0/24, bridge $(bridge_name)"
  for ((i = 1; i <= count; i++)); do
    ns=$(netns_name "$i")
    local pids
    pids=$(pids_in "$ns" | tr '\n' ' ')
    echo "vc-node$i $subnet.$i netns $ns processes: ${pids:-none}"
    for pid in $pids; do
      ps -o pid=,comm= -p "$pid" 2>/dev/null | sed 's/^/    /' || true
    done
  done
}

env_settings() {
  [[ -f $state ]] || die "not running ($dir): scripts/virtual-cluster.sh start N"
  local subnet count hosts="" i
  subnet=$(sed -n 's/^subnet //p' "$state")
  count=$(sed -n 's/^nodes //p' "$state")
  for ((i = 1; i <= count; i++)); do hosts+="${hosts:+,}vc-node$i"; done
  cat <<ENV
export EVO_VC_DIR=$dir
export EVO_VC_HOSTS=$hosts
export EVO_VC_SUBNET=$subnet
export OMPI_MCA_plm_rsh_agent=$dir/rsh-agent
export OMPI_MCA_plm_rsh_no_tree_spawn=1
export OMPI_MCA_btl=self,tcp
export OMPI_MCA_btl_tcp_if_include=$subnet.0/24
export OMPI_MCA_oob_tcp_if_include=$subnet.0/24
ENV
}

export PATH="$PATH:/usr/sbin"
case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop ;;
  status) status ;;
  env) env_settings ;;
  kill-node) kill_node "${2:?usage: $0 kill-node I}" ;;
  *)
    echo "usage: $0 start N | stop | status | env | kill-node I" >&2
    exit 2
    ;;
esac
