#!/usr/bin/env bash
# evocluster under Slurm, ranks started by mpirun. Submit as is; it requeues itself until
# the run is finished (docs/slurm.md):
#
#   sbatch -n 16 --time=12:00:00 scripts/sbatch-mpirun.sh CONFIG.toml [evocluster run options]
#
# e.g. `... CONFIG.toml --out runs/big --set run.jobs=5`. The same arguments come back on
# every restart, so `--set` overrides survive requeues. Environment (optional):
#   EVO_BIN              evocluster to run (default: `evocluster` on PATH)
#   EVO_MPIRUN_OPTIONS   extra mpirun options, e.g. "--oversubscribe -np 4" (default: one
#                        rank per Slurm task)
#
# What happens:
# - preemption, `scontrol requeue`: Slurm sends SIGTERM everywhere, the ranks checkpoint
#   (mpirun gives them ~2 s, so the periodic checkpoints are what counts) and Slurm
#   requeues the job (--requeue); the next start resumes from the newest checkpoint.
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

if (($# < 1)); then
  echo "usage: sbatch $0 CONFIG.toml [evocluster run options...]" >&2
  exit 2
fi
config=$1
shift
evocluster=${EVO_BIN:-evocluster}
restarts=${SLURM_RESTART_COUNT:-0}
echo "=== evocluster: Slurm job ${SLURM_JOB_ID:-none}, start $((restarts + 1)) (restarts: $restarts)" \
  "on $(hostname -s) at $(date -u +%FT%TZ)"
if ! command -v "$evocluster" >/dev/null; then
  echo "evocluster: '$evocluster' not found on $(hostname -s): set EVO_BIN or PATH" >&2
  exit 2
fi

# Slurm's warning (--signal=B:USR1) reaches only this shell: pass it on to mpirun, which
# forwards it to every rank; they checkpoint and exit 85. Trap nothing else: bash can lose
# one of two trapped signals that arrive together, and Slurm sends SIGCONT with each.
pid=""
warned=0
trap 'warned=1; [[ -n $pid ]] && kill -USR1 "$pid" 2>/dev/null' USR1

# shellcheck disable=SC2086  # the options are words on purpose
mpirun ${EVO_MPIRUN_OPTIONS:-} "$evocluster" run "$config" "$@" &
pid=$!
((warned)) && kill -USR1 "$pid" 2>/dev/null
# `wait` returns early when a trapped signal arrives: wait again until mpirun is gone.
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
