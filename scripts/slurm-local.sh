#!/usr/bin/env bash
# A real single-node Slurm on localhost, for the Slurm tests and for trying the sbatch
# templates: munged, slurmctld and slurmd from Debian's packages, started by hand (no
# systemd), with their own key, socket, config, spool and logs under one directory.
#
#   scripts/slurm-local.sh start    bring it up (does nothing if it is already up)
#   scripts/slurm-local.sh stop     cancel its jobs, stop the three daemons it started
#   scripts/slurm-local.sh status   exit 0 if it is up and the node takes jobs
#   eval "$(scripts/slurm-local.sh env)"   point sbatch/squeue/scontrol at it
#
# Directory: $EVO_SLURM_DIR (default /tmp/evocluster-slurm); ports: $EVO_SLURM_PORT for
# slurmctld and the next one for slurmd (default 6817), so that two checkouts can each run
# their own. Runs as root (the daemons need it). Partitions: debug (default, never preempted), low (preemptible: REQUEUE after
# GraceTime) and high (preempts low). Settings make requeue fast: a requeued job is
# eligible again after cred_expire + 1 s, and the scheduler runs every 2 s.
set -euo pipefail

dir=${EVO_SLURM_DIR:-/tmp/evocluster-slurm}
conf="$dir/etc/slurm.conf"
munge_socket="$dir/munge/munge.socket.2"
export SLURM_CONF="$conf"
# Fast requeue in tests; slurmctld rejects values below 5.
cred_expire=${EVO_SLURM_CRED_EXPIRE:-5}
grace_time=${EVO_SLURM_GRACE_TIME:-0}
port=${EVO_SLURM_PORT:-6817}

die() {
  echo "slurm-local: $*" >&2
  exit 1
}

# The pid in a pid file, if that process is alive and is the daemon we started.
running_pid() {
  local pid_file=$1 name=$2 pid
  [[ -f $pid_file ]] || return 1
  pid=$(<"$pid_file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/comm && $(</proc/$pid/comm) == "$name" ]] || return 1
  echo "$pid"
}

check_packages() {
  local missing=()
  for tool in munged mungekey slurmctld slurmd sbatch scontrol sinfo; do
    command -v "$tool" >/dev/null || PATH="$PATH:/usr/sbin" command -v "$tool" >/dev/null ||
      missing+=("$tool")
  done
  if ((${#missing[@]} > 0)); then
    die "missing ${missing[*]}: install the packages munge slurmctld slurmd slurm-client" \
      "(scripts/install-deps.sh --slurm)"
  fi
  [[ $(id -u) -eq 0 ]] || die "must run as root (slurmctld and slurmd run as root here)"
}

write_config() {
  local host cpus sockets cores threads memory node
  host=$(hostname -s)
  node=$(slurmd -C | head -n 1)
  cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$node")
  sockets=$(sed -n 's/.*SocketsPerBoard=\([0-9]*\).*/\1/p' <<<"$node")
  cores=$(sed -n 's/.*CoresPerSocket=\([0-9]*\).*/\1/p' <<<"$node")
  threads=$(sed -n 's/.*ThreadsPerCore=\([0-9]*\).*/\1/p' <<<"$node")
  memory=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node")
  [[ -n $cpus && -n $memory ]] || die "cannot read the node's CPUs from 'slurmd -C': $node"
  # slurmctld 22.05 binds 0.0.0.0 anyway; NoInAddrAny keeps slurmd and srun on 127.0.0.1
  # when the host name resolves to a loopback address.
  local comm_params=""
  if getent hosts "$host" | grep -q '^127\.'; then comm_params="CommunicationParameters=NoInAddrAny"; fi
  cat >"$conf" <<CONF
# Written by scripts/slurm-local.sh: a single-node Slurm for tests. Do not edit; it is
# rewritten on every start.
ClusterName=evolocal
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket,cred_expire=$cred_expire
$comm_params
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
MpiDefault=pmix
MailProg=/bin/true
ReturnToService=2
KillWait=5
MinJobAge=600
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus Sockets=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE PreemptMode=OFF State=UP
PartitionName=low Nodes=$host PriorityTier=1 PreemptMode=REQUEUE GraceTime=$grace_time State=UP
PartitionName=high Nodes=$host PriorityTier=10 PreemptMode=OFF State=UP
CONF
}

start_munge() {
  if running_pid "$dir/munge/munged.pid" munged >/dev/null; then return; fi
  install -d -o munge -g munge -m 0755 "$dir/munge"
  if [[ ! -s $dir/munge/munge.key ]]; then
    mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null
    chown munge:munge "$dir/munge/munge.key"
    chmod 0600 "$dir/munge/munge.key"
  fi
  runuser -u munge -- munged --socket="$munge_socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" ||
    die "munged did not start; see $dir/munge/munged.log"
}

wait_for_node() {
  local state=""
  for _ in $(seq 150); do
    state=$(sinfo -h -N -p debug -o %t 2>/dev/null | head -n 1 || true)
    [[ $state == idle || $state == mix || $state == alloc ]] && return 0
    sleep 0.2
  done
  die "the node did not come up (state '${state:-none}'); see $dir/log/slurmctld.log and slurmd.log"
}

start() {
  check_packages
  if running_pid "$dir/run/slurmctld.pid" slurmctld >/dev/null &&
    running_pid "$dir/run/slurmd.pid" slurmd >/dev/null &&
    running_pid "$dir/munge/munged.pid" munged >/dev/null; then
    wait_for_node
    echo "slurm-local: already up (SLURM_CONF=$conf)"
    return
  fi
  # A partial set (one daemon died): start over cleanly.
  stop >/dev/null 2>&1 || true
  install -d -m 0755 "$dir" "$dir/etc" "$dir/spool/ctld" "$dir/spool/d" "$dir/run" "$dir/log"
  start_munge
  write_config
  slurmctld -f "$conf" || die "slurmctld did not start; see $dir/log/slurmctld.log"
  slurmd -f "$conf" || die "slurmd did not start; see $dir/log/slurmd.log"
  wait_for_node
  echo "slurm-local: up (SLURM_CONF=$conf)"
}

# Sends TERM, waits, then KILL: only to the pid in our own pid file.
stop_daemon() {
  local pid_file=$1 name=$2 pid
  pid=$(running_pid "$pid_file" "$name") || {
    rm -f "$pid_file"
    return 0
  }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pid_file"
}

stop() {
  # Jobs first, so that no slurmstepd and no rank outlives slurmd.
  if running_pid "$dir/run/slurmctld.pid" slurmctld >/dev/null; then
    local jobs
    jobs=$(squeue -h -o %i 2>/dev/null || true)
    if [[ -n $jobs ]]; then
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      for _ in $(seq 100); do
        [[ -z $(squeue -h -t running,completing -o %i 2>/dev/null) ]] && break
        sleep 0.1
      done
    fi
  fi
  stop_daemon "$dir/run/slurmd.pid" slurmd
  stop_daemon "$dir/run/slurmctld.pid" slurmctld
  stop_daemon "$dir/munge/munged.pid" munged
  echo "slurm-local: stopped"
}

status() {
  running_pid "$dir/run/slurmctld.pid" slurmctld >/dev/null || die "slurmctld is not running"
  running_pid "$dir/run/slurmd.pid" slurmd >/dev/null || die "slurmd is not running"
  running_pid "$dir/munge/munged.pid" munged >/dev/null || die "munged is not running"
  sinfo
}

export PATH="$PATH:/usr/sbin"
case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
