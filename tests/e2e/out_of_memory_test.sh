#!/usr/bin/env bash
# An allocation that fails although the size check let the config through (the check
# counts the big arrays only; here the checkpoint's in-memory image does not fit under a
# 2 GB address-space limit): no "internal error: std::bad_alloc", but "out of memory while
# <what rank 0 was doing>", exit 1 on every rank (real mpirun, 2 ranks), no rank left.
source "$(dirname "$0")/lib.sh"

base=$(scratch out-of-memory)
trap 'rm -rf "$base"' EXIT
config="$base/out-of-memory.toml"
cat >"$config" <<'TOML'
[run]
seed = 5
generations = 1

[problem]
name = "sphere"
dimension = 30

[algorithm]
name = "simple"
population = 3900000
TOML

rc=0
(
  ulimit -v 2000000
  timeout 120 mpirun --oversubscribe -np 2 "$EVO_BIN" run "$config" --out "$base/out" \
    >"$base/log" 2>&1 </dev/null
) || rc=$?
if ((rc != 1)); then
  fail "exit $rc, expected 1: $(grep -m3 'error' "$base/log")"
elif ! grep -q "error: out of memory while [a-z]" "$base/log"; then
  fail "no 'out of memory while ...' message: $(grep -m3 'error' "$base/log")"
elif grep -q "internal error\|bad_alloc" "$base/log"; then
  fail "$(grep -m1 "internal error\|bad_alloc" "$base/log")"
elif pgrep -f -- "$config" >/dev/null; then
  fail "ranks left: $(pgrep -af -- "$config")"
else
  pass "exit 1: $(grep -o 'out of memory while [^:]*' "$base/log" | head -n 1)"
fi
finish
