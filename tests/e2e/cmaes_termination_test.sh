#!/usr/bin/env bash
# Issue 14 test 6: the CMA-ES reproduction (10-D Rastrigin, seed 2, 20000 generations, which
# used to end in NaN samples and exit 1) runs to its end with 0, 1, 2 and 9 IPOP restarts:
# exit 0, a termination criterion named on the console and as the final checkpoint's
# stop_reason, no non-finite value in any checkpoint. Then kill -9 inside the restart and
# inside the termination sequence (EVO_CRASH_AT): the resumed run is identical.
source "$(dirname "$0")/lib.sh"

base=$(scratch cmaes-termination)
config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=rastrigin
  --set problem.dimension=10 --set algorithm.name=cmaes --set run.seed=2
  --set run.generations=20000 --set checkpoint.every_generations=50 --set checkpoint.keep=3)

# Every float dataset of every checkpoint of OUT finite (h5py), or the offending names.
non_finite() {
  /usr/bin/python3 - "$1"/checkpoints/ckpt-*.h5 <<'EOF'
import sys
import h5py
import numpy as np
bad = []
for path in sys.argv[1:]:
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.dtype.kind == "f":
                if not np.all(np.isfinite(obj[()])):
                    bad.append(f"{path}:{name}")
        f.visititems(visit)
print(" ".join(bad))
EOF
}

for restarts in 0 1 2 9; do
  out="$base/restarts$restarts"
  start=$SECONDS
  rc=0
  # keep = 100: every checkpoint of the run stays, so every one is checked for non-finite values.
  evo_run 2 "${config[@]}" --set algorithm.cmaes_restarts=$restarts --set checkpoint.keep=100 \
    --out "$out" >"$out.log" 2>&1 || rc=$?
  took=$((SECONDS - start))
  if [[ $rc != 0 ]]; then
    fail "restarts $restarts: exit $rc"
    tail -n 5 "$out.log" >&2
    continue
  fi
  final=$(newest_checkpoint "$out")
  reason=$(h5_attribute "$final" stop_reason | tr -d '"')
  line=$(grep -o "stopped after generation [0-9]* of 20000: cmaes:[a-z]*" "$out.log" || true)
  restarted=$(grep -c "IPOP restart [0-9]* of" "$out.log" || true)
  files=$(ls "$out"/checkpoints/ckpt-*.h5 | wc -l)
  bad=$(non_finite "$out")
  if [[ $(h5_attribute "$final" final) != 1 || $reason != cmaes:* ]]; then
    fail "restarts $restarts: final checkpoint $final has final = $(h5_attribute "$final" final), stop_reason '$reason'"
  elif [[ -z $line || $line != *"$reason" ]]; then
    fail "restarts $restarts: the console does not name the criterion $reason"
  elif [[ $restarted != "$restarts" ]]; then
    fail "restarts $restarts: $restarted IPOP restarts logged"
  elif [[ -n $bad ]]; then
    fail "restarts $restarts: non-finite values in $bad"
  elif ! "$EVO_BIN" verify "$final" >/dev/null; then
    fail "restarts $restarts: verify refuses the final checkpoint"
  elif ! "$EVO_BIN" inspect "$final" | grep -q "stop reason *$reason"; then
    fail "restarts $restarts: inspect does not show the stop reason"
  else
    pass "restarts $restarts: exit 0 in ${took}s, ${line#stopped after }, $restarted restarts, all $files checkpoints finite"
  fi
done

# Started again, a job its algorithm ended is finished: exit 0, nothing more written.
out="$base/restarts1"
before=$(newest_checkpoint "$out")
if evo_run 2 "${config[@]}" --set algorithm.cmaes_restarts=1 --set checkpoint.keep=100 \
  --out "$out" >>"$out.log" 2>&1 &&
  grep -q "already finished at generation [0-9]* (cmaes:" "$out.log" &&
  [[ $(newest_checkpoint "$out") == "$before" ]]; then
  pass "a run its criterion ended reports 'already finished' when started again"
else
  fail "starting the finished run again did not report it finished (or wrote a checkpoint)"
fi

# kill -9 inside the restart sequence: checkpoints every R generations, where generation R
# is the one whose update set the first restart pending (read from the reference logbook:
# lambda doubles at generation R + 1), so the second checkpoint holds restart_pending = 1;
# the master dies right after committing it, and the relaunch restarts from it.
reference="$base/restarts1"
lambda0=$(awk -F, 'NR == 3 { print $2 }' "$reference/logbook.csv")
restart_gen=$(awk -F, -v l="$lambda0" 'NR > 2 && $2 != l { print $1 - 1; exit }' "$reference/logbook.csv")
out="$base/kill-restart"
rc=0
EVO_CRASH_AT=committed:2 evo_run 2 "${config[@]}" --set algorithm.cmaes_restarts=1 \
  --set checkpoint.every_generations="$restart_gen" --out "$out" >"$out.log" 2>&1 || rc=$?
pending=$(/usr/bin/python3 -c '
import sys, h5py
f = h5py.File(sys.argv[1], "r")
print(int(f["algorithm/restart_pending"][0]))' "$(newest_checkpoint "$out")" 2>/dev/null || echo "?")
if [[ $rc == 0 ]]; then
  fail "kill in the restart: the run was not killed"
elif [[ $pending != 1 ]]; then
  fail "kill in the restart: the checkpoint at generation $restart_gen has restart_pending = $pending"
elif ! evo_run 2 "${config[@]}" --set algorithm.cmaes_restarts=1 \
  --set checkpoint.every_generations="$restart_gen" --out "$out" >>"$out.log" 2>&1; then
  fail "kill in the restart: the relaunch failed"
  tail -n 5 "$out.log" >&2
elif ! grep -q "resuming from .*generation $restart_gen" "$out.log"; then
  fail "kill in the restart: the relaunch did not resume at generation $restart_gen"
else
  same_results "$reference" "$out" "kill in the restart" &&
    pass "kill -9 with the IPOP restart pending (generation $restart_gen), resumed: identical"
fi

# kill -9 inside the termination: the master dies with the final checkpoint written to its
# temporary file, not renamed; the relaunch resumes from the checkpoint before, replays the
# journal up to the criterion and ends the same way.
final_seq=$(basename "$(newest_checkpoint "$reference")" | sed 's/^ckpt-0*\([0-9]*\)-.*/\1/')
out="$base/kill-final"
rc=0
EVO_CRASH_AT=tmp_written:$final_seq evo_run 2 "${config[@]}" --set algorithm.cmaes_restarts=1 \
  --out "$out" >"$out.log" 2>&1 || rc=$?
if [[ $rc == 0 ]]; then
  fail "kill in the termination: the run was not killed"
elif [[ $(h5_attribute "$(newest_checkpoint "$out")" final) == 1 ]]; then
  fail "kill in the termination: the final checkpoint was committed before the kill"
elif ! evo_run 2 "${config[@]}" --set algorithm.cmaes_restarts=1 --out "$out" >>"$out.log" 2>&1; then
  fail "kill in the termination: the relaunch failed"
  tail -n 5 "$out.log" >&2
elif [[ $(h5_attribute "$(newest_checkpoint "$out")" stop_reason) != \
  "$(h5_attribute "$(newest_checkpoint "$reference")" stop_reason)" ]]; then
  fail "kill in the termination: stop_reason differs after the relaunch"
else
  same_results "$reference" "$out" "kill in the termination" &&
    pass "kill -9 while the final checkpoint (stop_reason) was written, resumed: identical"
fi
finish
