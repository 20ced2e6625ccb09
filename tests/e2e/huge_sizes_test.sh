#!/usr/bin/env bash
# Sizes that cannot fit (issue 14, test 4): population = 2147483647; population =
# 100000000 with dimension = 1000; dimension = 2000000000. Each ends every rank (real
# mpirun, 2 and 3 ranks) with exit 2 within seconds, naming the keys and the bytes they
# would need (master/size_limits), before anything is created in the output directory: a
# directory that did not exist still does not, and one that holds an earlier run is left
# exactly as it was (every name, size, mode, time and content). No rank is left running.
source "$(dirname "$0")/lib.sh"

base=$(scratch huge-sizes)
trap 'rm -rf "$base"' EXIT
config="$base/huge-sizes.toml"
cat >"$config" <<'TOML'
[run]
seed = 3
generations = 2

[problem]
name = "sphere"
dimension = 4

[algorithm]
name = "simple"
population = 8
TOML

# snapshot DIR: every entry's name, type, size, mode and modification time, and every file's
# checksum.
snapshot() {
  (cd "$1" && find . -printf '%p %y %s %m %T@\n' | sort && find . -type f -exec md5sum {} + | sort)
}

if ! evo_run 2 run "$config" --out "$base/earlier" >"$base/earlier.log" 2>&1 </dev/null; then
  fail "the earlier run failed"
  tail -n 5 "$base/earlier.log" >&2
fi
before=$(snapshot "$base/earlier")

# check NP LABEL OUT EXISTED EXPECTED... -- OVERRIDES...
check() {
  local np=$1 label=$2 out=$3 existed=$4
  shift 4
  local -a expected=()
  while [[ $1 != -- ]]; do
    expected+=("$1")
    shift
  done
  shift
  local rc=0 start=$SECONDS log="$base/$label.np$np.log"
  timeout 60 mpirun --oversubscribe -np "$np" "$EVO_BIN" run "$config" "$@" --out "$out" \
    >"$log" 2>&1 </dev/null || rc=$?
  local took=$((SECONDS - start)) ok=1
  if ((rc != 2)); then
    fail "$label (np=$np): exit code $rc, expected 2: $(tail -n 3 "$log")"
    ok=0
  fi
  for text in "${expected[@]}"; do
    if ! grep -qF -- "$text" "$log"; then
      fail "$label (np=$np): the message does not say '$text': $(head -c 600 "$log")"
      ok=0
    fi
  done
  if grep -q "internal error\|bad_alloc" "$log"; then
    fail "$label (np=$np): $(grep -m1 "internal error\|bad_alloc" "$log")"
    ok=0
  fi
  if ((took > 20)); then
    fail "$label (np=$np): took ${took}s"
    ok=0
  fi
  if ((existed == 0)) && [[ -e $out ]]; then
    fail "$label (np=$np): the output directory was created: $(find "$out" | head -n 5)"
    ok=0
  fi
  if ((existed == 1)) && [[ $(snapshot "$out") != "$before" ]]; then
    fail "$label (np=$np): the earlier run's directory changed:" \
      "$(diff <(echo "$before") <(snapshot "$out") | head -n 5)"
    ok=0
  fi
  if pgrep -f -- "$config" >/dev/null; then
    fail "$label (np=$np): processes left: $(pgrep -af -- "$config")"
    ok=0
  fi
  ((ok)) && pass "$label (np=$np): exit 2 in ${took}s naming ${expected[*]}"
  return 0
}

for np in 2 3; do
  for target in new earlier; do
    if [[ $target == new ]]; then
      out="$base/new" existed=0
    else
      out="$base/earlier" existed=1
    fi
    check "$np" "population-2147483647-$target" "$out" "$existed" \
      "algorithm.population" "problem.dimension" "bytes" "of memory" -- \
      --set algorithm.population=2147483647
    check "$np" "population-1e8-dimension-1000-$target" "$out" "$existed" \
      "algorithm.population" "problem.dimension" "1601600000000 bytes" -- \
      --set algorithm.population=100000000 --set problem.dimension=1000
    check "$np" "dimension-2000000000-$target" "$out" "$existed" \
      "problem.dimension = 2000000000" "16000000072 bytes" "at most 268435446" -- \
      --set problem.dimension=2000000000
  done
done
# Written as a TOML float, 1e8 is refused as a float before any size is computed.
check 2 "population-float-1e8" "$base/new" 0 "algorithm.population: expected an integer" -- \
  --set algorithm.population=1e8
finish
