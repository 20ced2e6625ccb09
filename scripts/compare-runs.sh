#!/usr/bin/env bash
# Are two runs' results bit-identical? Compares the newest checkpoint of each output
# directory (population, hall of fame, reproducible logbook columns, generation, final,
# evaluations, stop_reason and the master's RNG state) and logbook.csv without its run-dependent
# columns (retried, wall_s, evals_per_s). Prints the first difference; exit 0 if identical.
#   scripts/compare-runs.sh OUT_A OUT_B
set -uo pipefail
newest() { ls "$1"/checkpoints/ckpt-*.h5 2>/dev/null | sort | tail -n 1; }
attribute() { h5dump -a "/$2" "$1" 2>/dev/null | sed -n 's/^ *(0): *//p' | head -n 1; }
master_rng() { h5dump -d /rng/state -s 0,0 -c 1,8 "$1" 2>/dev/null | sed -n 's/^ *([0-9],[0-9]*): *//p'; }

a=$(newest "$1") b=$(newest "$2")
if [[ -z $a || -z $b ]]; then
  echo "no checkpoint in $1 or $2"
  exit 1
fi
for object in /population /hall_of_fame /logbook/gen /logbook/evals /logbook/min /logbook/avg \
  /logbook/max /logbook/std /logbook/failed; do
  if ! h5diff "$a" "$b" "$object" "$object" >/dev/null 2>&1; then
    echo "$object differs between $a and $b:"
    h5diff -r "$a" "$b" "$object" "$object" 2>&1 | head -n 5
    exit 1
  fi
done
for name in generation final evaluations stop_reason; do
  if [[ "$(attribute "$a" $name)" != "$(attribute "$b" $name)" ]]; then
    echo "attribute $name differs: $(attribute "$a" $name) vs $(attribute "$b" $name)"
    exit 1
  fi
done
if [[ -z "$(master_rng "$a")" || "$(master_rng "$a")" != "$(master_rng "$b")" ]]; then
  echo "the master's RNG state differs (or cannot be read) between $a and $b"
  exit 1
fi
if ! diff <(cut -d, -f1-7 "$1/logbook.csv") <(cut -d, -f1-7 "$2/logbook.csv") >/dev/null; then
  echo "logbook.csv differs between $1 and $2"
  exit 1
fi
