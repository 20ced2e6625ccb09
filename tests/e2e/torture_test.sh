#!/usr/bin/env bash
# The kill -9 campaign of scripts/torture.sh with a small N (larger by hand:
# scripts/torture.sh 100). Every trial must resume and finish identical.
source "$(dirname "$0")/lib.sh"
base=$(scratch torture)
if "$EVO_SOURCE_DIR/scripts/torture.sh" 5 --bin "$EVO_BIN" --keep "$base" | tee "$base/summary.txt"; then
  pass "$(tail -n 1 "$base/summary.txt")"
else
  fail "torture: $(tail -n 1 "$base/summary.txt")"
fi
finish
