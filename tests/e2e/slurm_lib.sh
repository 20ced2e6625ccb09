# Helpers for the Slurm tests (tests/e2e/slurm_*_test.sh): submit the sbatch templates to
# the local Slurm that the ctest fixture started (scripts/slurm-local.sh), follow the job
# through its requeues, read its final state. A Slurm that is not up is a failure, never a
# skip: CI must not pass without having run these.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export PATH="$PATH:/usr/sbin"
if ! sinfo -h >/dev/null 2>&1; then
  echo "FAIL: no Slurm to submit to (SLURM_CONF=${SLURM_CONF:-unset}): start it with" \
    "scripts/slurm-local.sh start (packages: scripts/install-deps.sh --slurm)" >&2
  exit 1
fi
# The templates find evocluster through EVO_BIN; mpirun as root needs these (lib.sh).
export EVO_BIN OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
# Three ranks (master + 2 workers) on however many CPUs the job has.
export EVO_MPIRUN_OPTIONS="--oversubscribe -np 3"
export EVO_SRUN_OPTIONS="-O -n 3"

# submit LOG SBATCH_OPTIONS... -- TEMPLATE ARGS...: prints the job id.
submit() {
  local log=$1
  shift
  sbatch --parsable --output="$log" "$@" | cut -d';' -f1
}

# job_field ID NAME: one field of `scontrol show job` (e.g. JobState, Restarts, ExitCode).
job_field() {
  scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s; returns 1 on timeout.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

job_is() { [[ $(job_field "$1" JobState) == "$2" ]]; }
job_has_ended() {
  case $(job_field "$1" JobState) in
    COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE)
      return 0
      ;;
  esac
  return 1
}
# running_with_restarts ID N: running, and restarted at least N times.
running_with_restarts() {
  job_is "$1" RUNNING && (($(job_field "$1" Restarts) >= $2))
}
# log_has_generation LOG GEN: the job log shows generation GEN (or a later one) done.
log_has_generation() {
  local last
  last=$(sed -n 's/^\(job [0-9]* \)\{0,1\}gen *\([0-9]*\) .*/\2/p' "$1" 2>/dev/null | tail -n 1)
  [[ -n $last ]] && ((last >= $2))
}
# grep_count PATTERN FILE: how many lines match (0 when none).
grep_count() { grep -c -- "$1" "$2" 2>/dev/null || true; }

# expect_final ID STATE EXIT_CODE LABEL: the job ended in STATE with ExitCode EXIT_CODE:0.
expect_final() {
  local state code
  state=$(job_field "$1" JobState)
  code=$(job_field "$1" ExitCode)
  if [[ $state == "$2" && $code == "$3:0" ]]; then
    pass "$4: job $1 ended $state, exit $code, after $(job_field "$1" Restarts) restart(s)"
  else
    fail "$4: job $1 ended $state with ExitCode $code (expected $2, $3:0)"
    return 1
  fi
}
