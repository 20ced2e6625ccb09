#!/usr/bin/env bash
# Corruption matrix: the NEWEST checkpoint of a finished run is damaged in every way a
# disk, a copy or a person can damage a file — truncated (at 3 random offsets), one byte
# flipped in the integrity header, in the HDF5 metadata, in a dataset and inside an
# attribute's value, a 4 KiB block zeroed, emptied, replaced by garbage of the same size,
# deleted — each on a fresh copy of the run directory. Every time:
#   (a) `evocluster verify` on the damaged (or missing) file exits non-zero, and
#   (b) `evocluster run` with run.generations raised reports the damaged file, resumes
#       from the PREVIOUS checkpoint and finishes identical to an uninterrupted run.
# Then every checkpoint of one copy is damaged: run exits 3 naming the directory and
# writes nothing. 100 % detection and fallback are required.
#
# The offsets are random ($RANDOM) and printed; EVO_CORRUPTION_SEED=N repeats a draw.
source "$(dirname "$0")/lib.sh"

seed=${EVO_CORRUPTION_SEED:-$(( ($$ + $(date +%s)) % 32768 ))}
RANDOM=$seed
echo "random offsets drawn with seed $seed (EVO_CORRUPTION_SEED=$seed repeats them)"

base=$(scratch corruption-matrix)
config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.dimension=6
  --set algorithm.population=30 --set checkpoint.every_generations=5 --set checkpoint.keep=10)
generations=20
raised=$((generations + 10))

evo_run 2 "${config[@]}" --set run.generations=$generations --out "$base/run" >"$base/run.log" 2>&1 ||
  { fail "the $generations-generation run failed"; cat "$base/run.log" >&2; finish; }
evo_run 2 "${config[@]}" --set run.generations=$raised --out "$base/straight" >"$base/straight.log" 2>&1 ||
  { fail "the uninterrupted $raised-generation run failed"; cat "$base/straight.log" >&2; finish; }

mapfile -t checkpoints < <(ls "$base/run/checkpoints"/ckpt-*.h5 | sort)
if ((${#checkpoints[@]} < 3)); then
  fail "expected several checkpoints, found ${#checkpoints[@]}"
  finish
fi
newest=${checkpoints[-1]}
newest_name=$(basename "$newest")
previous_name=$(basename "${checkpoints[-2]}")
size=$(stat -c %s "$newest")
echo "newest checkpoint $newest_name ($size bytes), previous $previous_name"
"$EVO_BIN" verify "$newest" >/dev/null || fail "the undamaged newest checkpoint does not verify"

# random_below N: a random integer in [0, N).
random_below() { echo $(( (RANDOM * 32768 + RANDOM) % $1 )); }

# flip_byte FILE OFFSET: invert every bit of one byte.
flip_byte() {
  local byte
  byte=$(od -A n -t u1 -j "$2" -N 1 "$1" | tr -d ' ')
  # shellcheck disable=SC2059
  printf "\\x$(printf %02x $((byte ^ 0xff)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# Where the damage goes. The dataset: /population/genomes (h5dump -p gives its absolute
# file offset, the 512-byte user block included).
genomes_layout=$(h5dump -p -H -d /population/genomes "$newest")
genomes_offset=$(sed -n 's/^ *OFFSET \([0-9]*\)$/\1/p' <<<"$genomes_layout")
genomes_size=$(sed -n 's/^ *SIZE \([0-9]*\)$/\1/p' <<<"$genomes_layout")
if [[ -z $genomes_offset || -z $genomes_size ]]; then
  fail "cannot find /population/genomes in $newest with h5dump -p"
  finish
fi
# The attribute: the value of /software_version (a string kept in the HDF5 global heap).
version=$(h5_attribute "$newest" software_version | tr -d '"')
version_offset=""
if [[ -n $version ]]; then
  while IFS=: read -r offset _; do
    if ((offset >= 512)); then version_offset=$offset; break; fi
  done < <(grep -obUaF -- "$version" "$newest" || true)
fi
if [[ -z $version_offset ]]; then
  fail "cannot find the software_version value '$version' in $newest"
  finish
fi
# The zeroed block: a random 4 KiB-aligned block that is not already all zeros.
nonzero_blocks=()
for ((offset = 0; offset < size; offset += 4096)); do
  if [[ -n "$(dd if="$newest" bs=4096 skip=$((offset / 4096)) count=1 status=none | tr -d '\0' | head -c 1)" ]]; then
    nonzero_blocks+=("$offset")
  fi
done

cases=()
for _ in 1 2 3; do cases+=("truncate $((1 + $(random_below $((size - 1)))))"); done
cases+=("flip-header $(random_below 512)")
cases+=("flip-metadata $((512 + 8 + $(random_below 193)))")
cases+=("flip-dataset $((genomes_offset + $(random_below "$genomes_size")))")
cases+=("flip-attribute $((version_offset + ${#version} / 2))")
cases+=("zero-4k ${nonzero_blocks[$(random_below ${#nonzero_blocks[@]})]}")
cases+=("empty 0" "garbage $size" "deleted 0")

# damage KIND ARG FILE
damage() {
  local kind=$1 arg=$2 file=$3
  case $kind in
    truncate) truncate -s "$arg" "$file" ;;
    flip-*) flip_byte "$file" "$arg" ;;
    zero-4k) dd if=/dev/zero of="$file" bs=4096 seek=$((arg / 4096)) count=1 conv=notrunc status=none ;;
    empty) : >"$file" ;;
    garbage) head -c "$arg" /dev/urandom >"$file" ;;
    deleted) rm -f "$file" ;;
  esac
}

total=0 detected=0 fell_back=0
for entry in "${cases[@]}"; do
  read -r kind arg <<<"$entry"
  total=$((total + 1))
  label="$kind"
  case $kind in
    truncate) label="truncate at byte $arg" ;;
    flip-*) label="$kind (byte $arg)" ;;
    zero-4k) label="zero 4 KiB at byte $arg" ;;
    garbage) label="garbage ($arg random bytes)" ;;
  esac
  dir="$base/case-$total-$kind"
  cp -a "$base/run" "$dir"
  file="$dir/checkpoints/$newest_name"
  damage "$kind" "$arg" "$file"

  # The damage must have landed (a test set-up error otherwise, not a detection miss).
  if [[ $kind != deleted ]] && cmp -s "$newest" "$file"; then
    fail "$label: the damage did not change $file"
    continue
  fi
  if [[ $kind == flip-dataset ]] &&
    [[ "$(h5dump -m %.17g -d /population/genomes "$newest" 2>&1 | tail -n +2)" == "$(h5dump -m %.17g -d /population/genomes "$file" 2>&1 | tail -n +2)" ]]; then
    fail "$label: the flipped byte is not in /population/genomes"
    continue
  fi
  if [[ $kind == flip-attribute ]] && [[ "$(h5_attribute "$file" software_version)" == "\"$version\"" ]]; then
    fail "$label: the flipped byte is not in the value of software_version"
    continue
  fi

  # (a) verify.
  rc=0
  "$EVO_BIN" verify "$file" >"$dir.verify.log" 2>&1 || rc=$?
  if ((rc != 0)); then
    detected=$((detected + 1))
  else
    fail "$label: verify exits 0 on the damaged file"
    cat "$dir.verify.log" >&2
  fi
  reason=$(head -n 1 "$dir.verify.log")

  # (b) run with more generations: reports, falls back to the previous one, identical.
  run_rc=0
  evo_run 2 "${config[@]}" --set run.generations=$raised --out "$dir" >"$dir.log" 2>&1 || run_rc=$?
  ok=1
  if ((run_rc != 0)); then
    fail "$label: run exits $run_rc"
    ok=0
  fi
  if [[ $kind == deleted ]]; then
    if grep -q "skipping damaged checkpoint" "$dir.log"; then
      fail "$label: a damaged checkpoint reported although none is damaged"
      ok=0
    fi
  elif ! grep -q "skipping damaged checkpoint [^ ]*/$newest_name" "$dir.log"; then
    fail "$label: the log does not say 'skipping damaged checkpoint .../$newest_name'"
    ok=0
  fi
  if ! grep -q "resuming from [^ ]*/$previous_name " "$dir.log"; then
    fail "$label: did not resume from $previous_name ($(grep -o 'resuming from [^ ]*' "$dir.log" || echo 'no resume'))"
    ok=0
  fi
  if ((ok == 0)); then
    tail -n 20 "$dir.log" >&2
  elif same_results "$base/straight" "$dir" "$label"; then
    fell_back=$((fell_back + 1))
    pass "$label: verify exit $rc (${reason##*: }); resumed from $previous_name; identical"
  fi
done

echo "corruption matrix: $detected/$total detected, $fell_back/$total fell back correctly"
if ((detected == total && fell_back == total)); then
  pass "corruption matrix: 100% detected and fell back"
else
  fail "corruption matrix incomplete: $detected/$total detected, $fell_back/$total fell back"
fi

# Every checkpoint damaged (a different kind each): exit 3 naming the directory; nothing
# is written and no file is removed.
dir="$base/all-damaged"
cp -a "$base/run" "$dir"
kinds=("truncate" "flip-header" "flip-metadata" "flip-dataset" "garbage" "empty" "zero-4k")
index=0
all_detected=1
for file in "$dir/checkpoints"/ckpt-*.h5; do
  kind=${kinds[$((index % ${#kinds[@]}))]}
  file_size=$(stat -c %s "$file")
  case $kind in
    truncate) arg=$((file_size / 2)) ;;
    flip-header) arg=100 ;;
    flip-metadata) arg=600 ;;
    flip-dataset) arg=$((genomes_offset + 8)) ;;
    garbage) arg=$file_size ;;
    zero-4k) arg=$((genomes_offset / 4096 * 4096)) ;;
    *) arg=0 ;;
  esac
  damage "$kind" "$arg" "$file"
  if "$EVO_BIN" verify "$file" >/dev/null 2>&1; then
    fail "all damaged: verify exits 0 on $(basename "$file") ($kind)"
    all_detected=0
  fi
  index=$((index + 1))
done
before=$(cd "$dir/checkpoints" && ls -l --time-style=+%s.%N)
rc=0
evo_run 2 "${config[@]}" --set run.generations=$raised --out "$dir" >"$dir.log" 2>&1 || rc=$?
if [[ $rc == 3 ]] && grep "error" "$dir.log" | grep -qF "$dir/checkpoints"; then
  pass "every checkpoint damaged ($index files): run exits 3 naming $dir/checkpoints"
else
  fail "every checkpoint damaged: run exits $rc (expected 3 with an error naming $dir/checkpoints)"
  cat "$dir.log" >&2
fi
if [[ "$(cd "$dir/checkpoints" && ls -l --time-style=+%s.%N)" != "$before" ]]; then
  fail "every checkpoint damaged: the refused run changed $dir/checkpoints"
elif ((all_detected)); then
  pass "every checkpoint damaged: verify rejects all $index, and the refused run changed nothing"
fi
finish
