#!/usr/bin/env bash
# evocluster under Slurm, ranks started by `srun --mpi=pmix` (Slurm's PMIx plugin; Debian's
# Open MPI has no PMI1/PMI2 support). Submit as is; it requeues itself until the run is
# finished (docs/slurm.md):
#
#   sbatch -n 16 --time=12:00:00 scripts/sbatch-srun.sh CONFIG.toml [evocluster run options]
#
# e.g. `... CONFIG.toml --out runs/big --set run.jobs=5`. The job log goes to
# evocluster-<jobid>.out in the directory you submit from (--output=DIR/%x-%j.out puts it
# elsewhere; DIR must exist). The same arguments come back on
# every restart, so `--set` overrides survive requeues. Environment (optional):
#   EVO_BIN              evocluster to run (default: `evocluster` on PATH, else
#                        build/evocluster under the directory you submitted from)
#   EVO_SRUN_OPTIONS     extra srun options, e.g. "-O -n 4" to start more ranks than
#                        CPUs (default: one rank per Slurm task)
#
# What happens:
# - preemption, `scontrol requeue`: Slurm sends SIGTERM everywhere, the ranks checkpoint
#   (under srun they have the whole KillWait, unlike under mpirun) and Slurm requeues the
#   job (--requeue); the next start resumes from the newest checkpoint.
# - the time limit: evocluster checkpoints run.walltime_margin before it and exits 85; the
#   USR1 warning below is a second line of defence. On exit 85 this script runs `scontrol
#   requeue` itself (a job that ends by itself is never requeued by Slurm).
# - the restart cap: evocluster refuses to start after run.max_restarts restarts (exit 5).
#SBATCH --job-name=evocluster
#SBATCH --output=evocluster-%j.out
#SBATCH --open-mode=append
#SBATCH --requeue
#SBATCH --signal=B:USR1@300
set -uo pipefail

# The comment block above is the help; under sbatch $0 is Slurm's copy of this file.
if (($# < 1)) || [[ $1 == -h || $1 == --help ]]; then
  help() { sed -n '2,/^#SBATCH/{/^#SBATCH/d;s/^# \{0,1\}//;p}' "$0"; }
  (($# < 1)) && help >&2 && exit 2
  help
  exit 0
fi
config=$1
shift
evocluster=${EVO_BIN:-evocluster}
# The docs submit from the repository root, where the build puts the executable.
if [[ -z ${EVO_BIN:-} ]] && ! command -v evocluster >/dev/null &&
  [[ -x ${SLURM_SUBMIT_DIR:-.}/build/evocluster ]]; then
  evocluster=$(cd "${SLURM_SUBMIT_DIR:-.}" && pwd)/build/evocluster
fi
restarts=${SLURM_RESTART_COUNT:-0}
echo "=== evocluster: Slurm job ${SLURM_JOB_ID:-none}, start $((restarts + 1)) (restarts: $restarts)" \
  "on $(hostname -s) at $(date -u +%FT%TZ)"
if ! command -v "$evocluster" >/dev/null; then
  echo "evocluster: '$evocluster' not found on $(hostname -s): set EVO_BIN or PATH" \
    "(or submit from the directory holding build/evocluster)" >&2
  exit 2
fi
# --signal=B:USR1@300 with a --time of under ten minutes warns every start at once, so the
# job would checkpoint and requeue itself every few seconds: say so (docs/slurm.md).
if [[ -n ${SLURM_JOB_ID:-} ]]; then
  limit=$(squeue -h -j "$SLURM_JOB_ID" -o %l 2>/dev/null || true)
  if [[ $limit =~ ^(([0-9]+)-)?(([0-9]+):)?([0-9]+):([0-9]+)$ ]]; then
    limit_s=$((10#${BASH_REMATCH[2]:-0} * 86400 + 10#${BASH_REMATCH[4]:-0} * 3600 +
      10#${BASH_REMATCH[5]} * 60 + 10#${BASH_REMATCH[6]}))
    if ((limit_s < 600)); then
      echo "=== evocluster: warning: the time limit ($limit) is under twice the template's" \
        "--signal lead of 300 s; submit with e.g. --signal=B:USR1@30 or a longer --time," \
        "or every start is warned at once and requeued" >&2
    fi
  fi
fi

# Slurm's warning (--signal=B:USR1) reaches only this shell: pass it on to srun, which
# forwards it to every rank; they checkpoint and exit 85. Trap nothing else: bash can lose
# one of two trapped signals that arrive together, and Slurm sends SIGCONT with each.
pid=""
warned=0
trap 'warned=1; [[ -n $pid ]] && kill -USR1 "$pid" 2>/dev/null' USR1

# shellcheck disable=SC2086  # the options are words on purpose
srun --mpi=pmix ${EVO_SRUN_OPTIONS:-} "$evocluster" run "$config" "$@" &
pid=$!
((warned)) && kill -USR1 "$pid" 2>/dev/null
# `wait` returns early when a trapped signal arrives: wait again until srun is gone.
while :; do
  wait "$pid"
  rc=$?
  kill -0 "$pid" 2>/dev/null || break
done

if ((rc == 85)) && [[ -n ${SLURM_JOB_ID:-} ]]; then
  echo "=== evocluster: checkpointed (exit 85): requeueing job $SLURM_JOB_ID"
  if scontrol requeue "$SLURM_JOB_ID"; then exit 0; fi
  echo "=== evocluster: 'scontrol requeue' failed: resubmit this script to continue" >&2
fi
echo "=== evocluster: exit $rc at $(date -u +%FT%TZ)"
exit "$rc"
