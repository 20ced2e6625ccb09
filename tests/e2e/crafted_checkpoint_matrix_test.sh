#!/usr/bin/env bash
# Crafted-checkpoint matrix (issue 14, test 1): the newest checkpoint of a real run is
# edited with h5py and resealed (tests/e2e/crafted_checkpoints.py: links to a file and to a
# FIFO, soft-link loops, user-defined links, virtual datasets, external storage, a
# compressed dataset declaring terabytes, and every shape, type, range and cross-field
# inconsistency), once per run kind: real, binary, integer and permutation genomes under
# `simple`, and `cmaes`. For every case, with the crafted file in place of the newest
# checkpoint of a fresh copy of the run's output directory:
#   - `verify` and `inspect` exit 3 (no crash, no hang: each under `timeout`) with a message
#     naming the object the case broke;
#   - `run` with more generations (1 rank) exits 0, logs "skipping damaged checkpoint FILE:
#     REASON" with verify's very REASON, resumes from the previous checkpoint and finishes
#     identical to an uninterrupted run (scripts/compare-runs.sh).
# Two cases run at a time (each in its own directory) to keep the test near a minute.
source "$(dirname "$0")/lib.sh"

generator="$EVO_SOURCE_DIR/tests/e2e/crafted_checkpoints.py"
base=$(scratch crafted-matrix)
trap 'rm -rf "$base"' EXIT
cat >"$base/tiny.toml" <<'EOF'
[run]
seed = 7
generations = 6

[problem]
name = "sphere"
dimension = 16

[algorithm]
name = "simple"
population = 8

[checkpoint]
every_generations = 2
keep = 10
EOF
raised=8

declare -A kind_settings=(
  [real]=""
  [binary]="--set problem.name=onemax --set problem.dimension=12"
  [integer]="--set genome.type=integer --set genome.lower=-5 --set genome.upper=5"
  [permutation]="--set problem.name=tsp_berlin52 --set problem.dimension=52"
  [cmaes]="--set algorithm.name=cmaes --set problem.dimension=4"
)

# timed LIMIT LOG COMMAND...: runs COMMAND under `timeout LIMIT` (stdin closed), output to
# LOG; sets rc and took_ms.
timed() {
  local limit=$1 log=$2
  shift 2
  local start_ns
  start_ns=$(date +%s%N)
  rc=0
  timeout "$limit" "$@" >"$log" 2>&1 </dev/null || rc=$?
  took_ms=$((($(date +%s%N) - start_ns) / 1000000))
}

# check_case KIND NAME NAMED: one case on a fresh copy of KIND's run; writes
# $dir/results/NAME: "refused MS" (verify and inspect right, slowest of the two in ms) and
# then "fell back" (run right), or "FAIL: why".
check_case() {
  local kind=$1 name=$2 named=$3
  local dir="$base/$kind"
  local work="$dir/work-$name" result="$dir/results/$name"
  local file="$work/checkpoints/$newest_name" label="$kind/$name"
  local -a settings
  # shellcheck disable=SC2206
  settings=(${kind_settings[$kind]})
  cp -a "$dir/run" "$work"
  cp "$dir/cases/$name.h5" "$file"
  timed 10 "$work.verify" "$EVO_BIN" verify "$file"
  local reason slowest=$took_ms
  reason=$(sed -n "s|^$file: DAMAGED: ||p" "$work.verify")
  if ((rc != 3)) || [[ -z $reason ]]; then
    echo "FAIL: $label: verify exits $rc (expected 3): $(head -c 300 "$work.verify")" >"$result"
    return
  fi
  if ! grep -qF -- "$named" <<<"$reason"; then
    echo "FAIL: $label: verify's reason does not name '$named': $reason" >"$result"
    return
  fi
  timed 10 "$work.inspect" "$EVO_BIN" inspect "$file"
  ((took_ms > slowest)) && slowest=$took_ms
  if ((rc != 3)) || ! grep -qF -- "$named" "$work.inspect"; then
    echo "FAIL: $label: inspect exits $rc (expected 3) or does not name '$named':" \
      "$(head -c 300 "$work.inspect")" >"$result"
    return
  fi
  echo "refused $slowest" >"$result"
  timed 60 "$work.log" mpirun --oversubscribe -np 1 "$EVO_BIN" run "$base/tiny.toml" \
    "${settings[@]}" --set run.generations=$raised --out "$work"
  if ((rc != 0)); then
    echo "FAIL: $label: run exits $rc (expected 0 after falling back):" \
      "$(tail -n 3 "$work.log")" >>"$result"
  # run prints the reason after the file's name, verify after "FILE: DAMAGED: ".
  elif ! grep -qF -- "skipping damaged checkpoint $file: checkpoint $file: $reason" "$work.log"; then
    echo "FAIL: $label: run's reason differs from verify's ($reason):" \
      "$(grep -m1 skipping "$work.log")" >>"$result"
  elif ! grep -q "resuming from [^ ]*/$previous_name " "$work.log"; then
    echo "FAIL: $label: did not resume from $previous_name:" \
      "$(grep -o 'resuming from [^ ]*' "$work.log")" >>"$result"
  elif ! difference=$("$EVO_SOURCE_DIR/scripts/compare-runs.sh" "$dir/straight" "$work"); then
    echo "FAIL: $label: not identical to the uninterrupted run: $difference" >>"$result"
  else
    echo "fell back" >>"$result"
  fi
  rm -rf "$work" "$work".*
}

for kind in real binary integer permutation cmaes; do
  # shellcheck disable=SC2206
  settings=(${kind_settings[$kind]})
  dir="$base/$kind"
  mkdir -p "$dir/results"
  if ! evo_run 1 run "$base/tiny.toml" "${settings[@]}" --out "$dir/run" >"$dir/run.log" 2>&1 \
    </dev/null || ! evo_run 1 run "$base/tiny.toml" "${settings[@]}" \
    --set run.generations=$raised --out "$dir/straight" >"$dir/straight.log" 2>&1 </dev/null; then
    fail "$kind: the base runs failed"
    tail -n 5 "$dir"/*.log >&2
    continue
  fi
  mapfile -t checkpoints < <(ls "$dir/run/checkpoints"/ckpt-*.h5 | sort)
  newest_name=$(basename "${checkpoints[-1]}")
  previous_name=$(basename "${checkpoints[-2]}")
  if ! /usr/bin/python3 "$generator" "$kind" "${checkpoints[-1]}" "$dir/cases" \
    >"$dir/manifest" 2>"$dir/generator.log"; then
    fail "$kind: the generator failed"
    cat "$dir/generator.log" >&2
    continue
  fi
  echo "$kind: $(wc -l <"$dir/manifest") crafted cases of $newest_name (previous $previous_name)"
  while read -r name named; do
    while (($(jobs -rp | wc -l) >= 2)); do wait -n || true; done
    check_case "$kind" "$name" "$named" &
  done <"$dir/manifest"
  wait
done

total=0 refused=0 fell_back=0 slowest_ms=0
for result in "$base"/*/results/*; do
  total=$((total + 1))
  read -r word ms <"$result"
  if [[ $word == refused ]]; then
    refused=$((refused + 1))
    ((ms > slowest_ms)) && slowest_ms=$ms
  fi
  if grep -q '^FAIL' "$result"; then
    fail "$(grep '^FAIL' "$result" | sed 's/^FAIL: //')"
  elif grep -q '^fell back' "$result"; then
    fell_back=$((fell_back + 1))
  fi
done
echo "crafted matrix: $refused/$total refused by verify and inspect, $fell_back/$total fell back" \
  "and finished identical; slowest verify/inspect ${slowest_ms} ms"
expected=$(cat "$base"/*/manifest 2>/dev/null | wc -l)
if ((total != expected)); then
  fail "$total results for $expected crafted cases: a case ended without a verdict"
elif ((total < 60)); then
  fail "only $total crafted cases (at least 60 expected)"
elif ((refused == total && fell_back == total)); then
  pass "crafted matrix: all $total cases refused, same verdict in run, fallback identical"
fi
finish
