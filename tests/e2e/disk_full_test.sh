#!/usr/bin/env bash
# Disk full during a checkpoint, and an output directory the user cannot write.
#
# 1. A run writes into a small tmpfs sized so that the first two checkpoints fit and the
#    third does not. Expected: the run stops at that checkpoint with exit 1 (README: an
#    I/O error; not 85, since a requeue onto the full disk would fail again), every rank
#    told to stop (no MPI_Abort), an error naming the file, "No space left on device" and
#    the output directory; no *.tmp is left (no checkpoint tmp, no logbook.csv.tmp); every
#    checkpoint that exists verifies; no log line claims the failed checkpoint or says the
#    run goes on; and the run directory, copied to a real disk, resumes with the same
#    command from the last intact checkpoint and finishes identical to an uninterrupted
#    run.
# 2. run.output in a directory that `nobody` may not write (chmod 500): exit 2 with a
#    message naming run.output. (Root ignores permissions, hence the nobody user.)
#
# Needs root (mount, runuser); prints SKIP for the part it cannot do.
source "$(dirname "$0")/lib.sh"

mnt="$EVO_WORK_DIR/disk-full/mnt"
# A previous run killed before its trap ran may have left the tmpfs mounted.
if mountpoint -q "$mnt" 2>/dev/null; then umount "$mnt" || true; fi
base=$(scratch disk-full)
mkdir -p "$mnt"
nobody_dir=""
cleanup() {
  if mountpoint -q "$mnt" 2>/dev/null; then umount "$mnt" || umount -l "$mnt" || true; fi
  if [[ -n $nobody_dir ]]; then rm -rf "$nobody_dir"; fi
}
trap cleanup EXIT

population=2000
config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.dimension=10
  --set "algorithm.population=$population" --set checkpoint.every_generations=1
  --set checkpoint.keep=10 --set run.generations=8)

# ---------------------------------------------------------------------------------------
# 1. Disk full.
evo_run 2 "${config[@]}" --out "$base/reference" >"$base/reference.log" 2>&1 ||
  { fail "the uninterrupted reference run failed"; cat "$base/reference.log" >&2; finish; }
mapfile -t reference_checkpoints < <(ls "$base/reference/checkpoints"/ckpt-*.h5 | sort)
if ((${#reference_checkpoints[@]} < 4)); then
  fail "the reference run wrote ${#reference_checkpoints[@]} checkpoints, expected at least 4"
  finish
fi
# Size the tmpfs: two checkpoints, the tmp file of the third half written, plus the
# evaluation journal of one generation (at most one 24-byte record per evaluation, plus
# segment headers, emptied after each checkpoint) and 8 KiB for logbook.csv and the lock.
# Before checkpoint 2 (and 3) the disk holds 1 (2) checkpoints + a journal + the tmp file:
# the first fits with about half a checkpoint to spare, the second misses by as much.
checkpoint_bytes=$(stat -c %s "${reference_checkpoints[@]}" | sort -n | tail -n 1)
journal_bytes=$((population * 24 + 128))
tmpfs_kib=$(((checkpoint_bytes * 5 / 2 + journal_bytes + 8192 + 4095) / 4096 * 4))
expected_failure=$(basename "${reference_checkpoints[2]}")
echo "checkpoint files are $checkpoint_bytes bytes; tmpfs of $tmpfs_kib KiB; expecting $expected_failure to fail"

if ! mount -t tmpfs -o size=${tmpfs_kib}k tmpfs "$mnt" 2>"$base/mount.log"; then
  echo "SKIP: cannot mount tmpfs ($(cat "$base/mount.log"))"
else
  rc=0
  evo_run 2 "${config[@]}" --out "$mnt/run" >"$base/full.log" 2>&1 || rc=$?
  if [[ $rc == 1 ]]; then
    pass "disk full: the run stops with exit 1"
  else
    fail "disk full: exit $rc (expected 1: an I/O error that stops the run)"
    cat "$base/full.log" >&2
  fi

  error_line=$(grep -m 1 "No space left on device" "$base/full.log" || true)
  if [[ -n $error_line && $error_line == *"$mnt/run/checkpoints/$expected_failure"* ]]; then
    pass "disk full: the error names the file and ENOSPC: ${error_line#*\] }"
  else
    fail "disk full: no error naming $expected_failure and 'No space left on device'"
    cat "$base/full.log" >&2
  fi

  # The checkpoints before it were committed and announced; the failed one was not.
  for file in "${reference_checkpoints[@]:0:2}"; do
    grep -Eq "checkpoint [^ ]*/$(basename "$file")( |$)" "$base/full.log" ||
      fail "disk full: $(basename "$file") was not written (tmpfs too small for this test?)"
  done
  claims=$(grep -E "checkpoint [^ ]*/${expected_failure}( |$)" "$base/full.log" || true)
  if [[ -z $claims ]]; then
    pass "disk full: no log line claims $expected_failure was written"
  else
    fail "disk full: the log claims the failed checkpoint was written: $claims"
  fi
  if [[ -e "$mnt/run/checkpoints/$expected_failure" ]]; then
    fail "disk full: $expected_failure exists under its final name"
  fi

  # The failed checkpoint stops the run at once and cleanly: no "going on", no MPI_Abort.
  if grep -q "going on" "$base/full.log"; then
    fail "disk full: the log says the run goes on after the failed checkpoint"
  elif grep -qi "MPI_ABORT" "$base/full.log"; then
    fail "disk full: the run ended in MPI_Abort rather than a clean stop"
    cat "$base/full.log" >&2
  elif grep -q "cannot write to the output directory $mnt/run.*every rank stops with exit 1" \
    "$base/full.log"; then
    pass "disk full: stopped at the failed checkpoint, naming the output directory, no MPI_Abort"
  else
    fail "disk full: no message naming the output directory $mnt/run"
    cat "$base/full.log" >&2
  fi
  leftovers=$(find "$mnt" -name '*.tmp' 2>/dev/null)
  if [[ -z $leftovers ]]; then
    pass "disk full: no .tmp file is left"
  else
    fail "disk full: tmp file(s) left behind: $leftovers"
  fi

  intact=0 damaged=0
  for file in "$mnt/run/checkpoints"/ckpt-*.h5; do
    [[ -e $file ]] || continue
    if "$EVO_BIN" verify "$file" >/dev/null 2>&1; then
      intact=$((intact + 1))
    else
      damaged=$((damaged + 1))
      fail "disk full: $(basename "$file") does not verify"
    fi
  done
  if ((damaged == 0 && intact == 2)); then
    pass "disk full: both checkpoints left on the full disk verify"
  elif ((damaged == 0)); then
    fail "disk full: $intact checkpoint(s) left, expected 2"
  fi
  last_intact=$(newest_checkpoint "$mnt/run")

  # Moved to a real disk, the same command resumes and finishes identical.
  cp -a "$mnt/run" "$base/moved"
  umount "$mnt"
  rc=0
  evo_run 2 "${config[@]}" --out "$base/moved" >"$base/moved.log" 2>&1 || rc=$?
  if [[ $rc != 0 ]]; then
    fail "disk full: the resumed run on a real disk exits $rc"
    tail -n 20 "$base/moved.log" >&2
  elif [[ -z $last_intact ]] ||
    ! grep -q "resuming from [^ ]*/$(basename "$last_intact") " "$base/moved.log"; then
    fail "disk full: the resumed run did not resume from $(basename "${last_intact:-none}")"
    grep "resuming" "$base/moved.log" >&2 || true
  elif same_results "$base/reference" "$base/moved" "disk full, moved and resumed"; then
    pass "disk full: moved to a real disk, resumed from $(basename "$last_intact"), identical"
  fi
fi

# ---------------------------------------------------------------------------------------
# 2. An output directory that cannot be written: exit 2 naming run.output.
if ! command -v runuser >/dev/null || ! id nobody >/dev/null 2>&1; then
  echo "SKIP: unwritable output directory (runuser or the nobody user unavailable)"
else
  # Everything nobody needs must be readable by nobody: a world-readable copy.
  nobody_dir=$(mktemp -d /tmp/evo-disk-full.XXXXXX)
  chmod 755 "$nobody_dir"
  cp "$EVO_BIN" "$nobody_dir/evocluster"
  cp "$EVO_SOURCE_DIR/examples/demo.toml" "$nobody_dir/demo.toml"
  chmod 755 "$nobody_dir/evocluster"
  chmod 644 "$nobody_dir/demo.toml"
  locked="$nobody_dir/locked"
  mkdir "$locked"
  chown nobody "$locked"
  chmod 500 "$locked"
  if runuser -u nobody -- touch "$locked/probe" 2>/dev/null; then
    fail "unwritable output: nobody can write into a chmod 500 directory?"
  else
    cases=("--out $locked" "--set run.output=$locked/sub")
    for case in "${cases[@]}"; do
      rc=0
      # shellcheck disable=SC2086
      (cd "$nobody_dir" && runuser -u nobody -- env TMPDIR=/tmp timeout 120 \
        mpirun --oversubscribe -np 2 "$nobody_dir/evocluster" run "$nobody_dir/demo.toml" \
        --set run.generations=2 $case) >"$base/unwritable.log" 2>&1 || rc=$?
      target=${case#* }
      target=${target#run.output=}
      if [[ $rc == 2 ]] && grep -q "run.output.*$target" "$base/unwritable.log"; then
        pass "unwritable output ($case): exit 2, $(grep -m 1 "run.output" "$base/unwritable.log" | sed 's/^.*\] //')"
      else
        fail "unwritable output ($case) as nobody: exit $rc (expected 2 and a message naming run.output and $target)"
        cat "$base/unwritable.log" >&2
      fi
    done
    if [[ -n "$(ls -A "$locked")" ]]; then
      fail "unwritable output: something was written into $locked"
    fi
  fi
fi
finish
