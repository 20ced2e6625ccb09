#!/usr/bin/env bash
# Resealed files on which HDF5 1.10.8 itself fails unsafely (found by the checkpoint fuzz
# harness, kept in tests/fuzz/reproducers/checkpoint-*.bin): one makes its global-heap code
# loop forever, one makes it copy past its buffer (a segfault of whichever process parses
# it), one makes it reserve 4 GiB, one makes it leak. HDF5 parses every checkpoint in a
# child process bounded in memory and time first (common/isolated_parse.hpp), so:
# `verify` and `inspect` refuse each of them with exit 3 within the parse deadline (no hang,
# no crash), and `run` on 3 ranks, finding the hang or the crash as its newest checkpoint,
# skips it, resumes from the intact one before it and finishes identical to a run that was
# never interrupted.
source "$(dirname "$0")/lib.sh"

base=$(scratch hdf5-faults)
reproducers=$EVO_SOURCE_DIR/tests/fuzz/reproducers

# seal PAYLOAD OUT: the payload behind a valid integrity header (format version 1), as
# anyone can make it (docs/checkpoint-format.md, "Integrity header").
seal() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import struct, sys, xxhash
payload = open(sys.argv[1], "rb").read()
head = bytearray(512)
struct.pack_into("<8sIIIIQ", head, 0, b"EVOCKPT\n", 1, 512, 1, 0, len(payload))
head[32:48] = xxhash.xxh3_128_digest(payload)
head[48:56] = xxhash.xxh3_64_digest(bytes(head[:48]) + bytes(8) + bytes(head[56:]))
open(sys.argv[2], "wb").write(bytes(head) + payload)
PY
}

for payload in "$reproducers"/checkpoint-*.bin; do
  name=$(basename "$payload" .bin)
  file=$base/$name.h5
  seal "$payload" "$file"
  for command in verify inspect; do
    start=$SECONDS
    rc=0
    timeout 60 "$EVO_BIN" "$command" "$file" >"$base/$name.$command.log" 2>&1 || rc=$?
    if [[ $rc == 3 ]] && grep -q "$file" "$base/$name.$command.log"; then
      pass "$command $name: exit 3 in $((SECONDS - start)) s: $(grep -o 'DAMAGED.*\|cannot.*' "$base/$name.$command.log" | head -n 1 | cut -c1-110)"
    else
      fail "$command $name: exit $rc (expected 3 naming the file)"
      cat "$base/$name.$command.log" >&2
    fi
  done
done

config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.dimension=5
  --set algorithm.population=20 --set checkpoint.every_generations=1 --set checkpoint.keep=10)
evo_run 3 "${config[@]}" --set run.generations=6 --out "$base/reference" >"$base/reference.log" 2>&1 ||
  { fail "reference run failed"; cat "$base/reference.log" >&2; finish; }

for fault in hang-h5hg-deserialize overflow-h5hg-read; do
  out=$base/run-$fault
  evo_run 3 "${config[@]}" --set run.generations=4 --out "$out" >"$out.first.log" 2>&1 ||
    { fail "$fault: first run failed"; cat "$out.first.log" >&2; continue; }
  newest=$(newest_checkpoint "$out")
  previous=$(ls "$out/checkpoints"/ckpt-*.h5 | sort | tail -n 2 | head -n 1)
  seal "$reproducers/checkpoint-$fault.bin" "$newest"
  rc=0
  timeout 120 mpirun --oversubscribe -np 3 "$EVO_BIN" "${config[@]}" --set run.generations=6 \
    --out "$out" >"$out.second.log" 2>&1 || rc=$?
  if [[ $rc != 0 ]]; then
    fail "$fault: the relaunch ended with exit $rc"
    tail -n 20 "$out.second.log" >&2
    continue
  fi
  if grep -q "HDF5 cannot parse it safely" "$out.second.log" &&
    grep -q "resuming from [^ ]*/$(basename "$previous") " "$out.second.log"; then
    pass "$fault: run skipped the newest checkpoint and resumed from $(basename "$previous")"
  else
    fail "$fault: the relaunch did not skip the newest and resume from $(basename "$previous")"
    grep -i "resum\|damaged\|skip\|HDF5" "$out.second.log" >&2
  fi
  same_results "$base/reference" "$out" "$fault" &&
    pass "$fault: identical to the uninterrupted run"
done

finish
