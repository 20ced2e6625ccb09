#!/usr/bin/env bash
# kill -9 campaign: N trials; each starts a run, kills the whole mpirun process group at a
# random moment after its first checkpoint (a third of the trials die inside a checkpoint
# write or a journal append instead, through the EVO_CRASH_AT hook), restarts it with the
# same command, and compares the result with an uninterrupted run. Every evaluation is
# traced (EVO_EVAL_TRACE), so evaluations computed twice are counted, not estimated.
#
#   scripts/torture.sh [N] [--np RANKS] [--bin build/evocluster] [--keep DIR]
# Last line: "N/N resumed, N/N identical, evaluations recomputed: X"; exit 0 only if all.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
trials=10 np=4 bin="$root/build/evocluster" keep=""
while (($#)); do
  case $1 in
    --np) np=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) trials=$1; shift ;;
  esac
done
[[ -x $bin ]] || { echo "torture: $bin not built (run scripts/build.sh)" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[[ -z $keep ]] && trap 'rm -rf "$work"' EXIT

config=(run "$root/examples/demo.toml" --set problem.name=noisy_sphere --set problem.dimension=8
  --set problem.delay_ms=3 --set algorithm.population=40 --set run.generations=30
  --set checkpoint.every_generations=4 --set checkpoint.keep=2)
stages=(tmp_open tmp_partial tmp_written tmp_synced renamed committed pruning journal)

start=$(date +%s.%N)
mpirun -np "$np" "$bin" "${config[@]}" --out "$work/reference" >"$work/reference.log" 2>&1
duration=$(echo "$(date +%s.%N) - $start" | bc)
echo "torture: reference run took ${duration}s; $trials trials with $np ranks in $work"

resumed=0 identical=0 recomputed=0
for trial in $(seq "$trials"); do
  out="$work/trial$trial" trace="$work/trial$trial.trace"
  how=""
  if ((trial % 3 == 0)); then
    stage=${stages[RANDOM % ${#stages[@]}]}
    occurrence=$((2 + RANDOM % 3))
    [[ $stage == journal ]] && occurrence=$((20 + RANDOM % 200))
    how="inside $stage (occurrence $occurrence)"
    EVO_CRASH_AT="$stage:$occurrence" EVO_EVAL_TRACE="$trace" \
      mpirun -np "$np" "$bin" "${config[@]}" --out "$out" >"$out.log" 2>&1 || true
  else
    delay=$(echo "scale=3; $duration * $((RANDOM % 700)) / 1000" | bc)
    how="kill -9 at +${delay}s after the first checkpoint"
    EVO_EVAL_TRACE="$trace" setsid mpirun -np "$np" "$bin" "${config[@]}" --out "$out" \
      >"$out.log" 2>&1 &
    pid=$!
    # Generous: on a loaded machine mpirun alone can take seconds to start the ranks, and a
    # kill before the first checkpoint would test nothing.
    for _ in $(seq 12000); do
      compgen -G "$out/checkpoints/ckpt-*.h5" >/dev/null && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.01
    done
    sleep "$delay"
    # mpirun and every rank: ranks have process groups of their own but share the session.
    kill -0 "$pid" 2>/dev/null || how="$how (finished before the kill)"
    pkill -9 -s "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for _ in $(seq 200); do pgrep -s "$pid" >/dev/null || break; sleep 0.02; done
  fi
  EVO_EVAL_TRACE="$trace" mpirun -np "$np" "$bin" "${config[@]}" --out "$out" >>"$out.log" 2>&1 ||
    { echo "trial $trial: restart FAILED ($how)"; continue; }
  grep -q "resuming from\|already finished" "$out.log" && resumed=$((resumed + 1))
  total=$(wc -l <"$trace")
  unique=$(sort -u "$trace" | wc -l)
  twice=$((total - unique))
  recomputed=$((recomputed + twice))
  from=$(sed -n 's/.*resuming from \([^ ]*\).*/\1/p' "$out.log" | head -n 1)
  recovered=$(sed -n 's/.*recovered \([0-9]*\) finished.*/\1/p' "$out.log" | head -n 1)
  if "$root/scripts/compare-runs.sh" "$work/reference" "$out" >/dev/null; then
    identical=$((identical + 1))
    echo "trial $trial: $how; resumed from ${from##*/}, ${recovered:-0} recovered from the journal, $twice recomputed: identical"
  else
    echo "trial $trial: $how; resumed from ${from##*/}: DIFFERENT from the uninterrupted run"
  fi
done
echo "$resumed/$trials resumed, $identical/$trials identical, evaluations recomputed: $recomputed"
[[ $resumed == "$trials" && $identical == "$trials" ]]
