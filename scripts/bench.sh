#!/usr/bin/env bash
# Job-queue benchmark (issue 4): prints one `name: value unit` line per figure.
#   - dispatch throughput on sphere (dimension 10, population 10,000) at 2, 3 and 5 ranks,
#     and the master-side cost per evaluation against a raw MPI packed-batch round trip
#     measured in the same run by bench/mpi_roundtrip (same genome size, same batch size
#     and prefetch as evocluster chose), with the ratio;
#   - parallel efficiency (sum of worker busy time / (workers x wall time of the
#     generations)) for delay_ms = 10 at 5 and 8 ranks;
#   - utilization, generational vs steady_state, with exponentially distributed evaluation
#     times (mean 10 ms), at 5 ranks;
#   - external-command overhead per evaluation (a trivial program) against a bare
#     fork + exec + wait of the same program (bench/fork_exec), and the ratio.
# Targets (issue 4): >= 1,000,000 evals/s at 2 ranks and cost ratio <= 2; efficiency >= 0.98;
# steady-state utilization >= 0.95; command overhead ratio <= 1.5. Timings are ratios within
# one run where it matters; the machine may be shared and noisy.
#   scripts/bench.sh            EVO_BUILD_DIR overrides the build directory; build output
#                               and run logs go to stderr / a scratch directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${EVO_BUILD_DIR:-$root/build}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
if [[ ! -f "$build/CMakeCache.txt" ]] || grep -q '^EVO_BUILD_BENCH:BOOL=OFF' "$build/CMakeCache.txt"; then
  cmake -S "$root" -B "$build" -DEVO_BUILD_BENCH=ON >&2
fi
cmake --build "$build" --target evocluster mpi_roundtrip fork_exec -j "$(nproc)" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
evo() { mpirun --oversubscribe -np "$1" "$build/evocluster" "${@:2}"; }

# evals_per_s OUT: evaluations / evaluation wall time over the generations after the first
# (generation 0 includes start-up and the batch-size estimate).
evals_per_s() {
  awk -F, 'NR > 2 { e += $2; w += $9 } END { printf "%.0f", e / w }' "$1/logbook.csv"
}
# efficiency OUT: sum of the workers' evaluation (busy) time / (workers x wall time of the
# generations), from OUT/workers.csv and OUT/logbook.csv: start-up and checkpoint writing
# are left out, everything the job queue does (breeding, dispatch, barriers) is in.
efficiency() {
  awk -F, 'FNR == 1 { next } FILENAME ~ /workers/ { busy += $5; ranks[$2] = 1; next }
    { wall += $9 } END { n = 0; for (r in ranks) ++n; printf "%.4f", busy / (n * wall) }' \
    "$1/workers.csv" "$1/logbook.csv"
}
# batches LOG: the mean batch size evocluster used (evaluations / batches of all workers).
mean_batch() {
  grep -o '[0-9]* evaluations in [0-9]* batches' "$1" |
    awk '{ e += $1; b += $4 } END { printf "%.0f", e / b }'
}

sphere=(run "$root/examples/demo.toml" --set problem.name=sphere --set problem.dimension=10
  --set algorithm.population=10000 --set run.generations=10 --set checkpoint.every_generations=0)
for np in 2 3 5; do
  evo $np "${sphere[@]}" --out "$work/sphere$np" >"$work/sphere$np.log" 2>&1
  rate=$(evals_per_s "$work/sphere$np")
  echo "dispatch_throughput_np$np: $rate evals/s"
  if ((np == 2)); then
    batch=$(mean_batch "$work/sphere$np.log")
    raw=$(mpirun --oversubscribe -np 2 "$build/mpi_roundtrip" 1000000 10 "$batch" 2 |
      sed -n 's/mpi_roundtrip_ns_per_eval: //p')
    cost=$(awk -v r="$rate" 'BEGIN { printf "%.1f", 1e9 / r }')
    echo "evocluster_cost_per_eval_np2: $cost ns (batches of $batch)"
    echo "raw_mpi_packed_roundtrip_np2: $raw ns"
    echo "cost_ratio_evocluster_vs_raw_mpi_np2: $(awk -v a="$cost" -v b="$raw" 'BEGIN { printf "%.2f", a / b }') x"
  fi
done

delay=(run "$root/examples/demo.toml" --set problem.name=sphere --set problem.dimension=10
  --set problem.delay_ms=10 --set run.generations=4 --set checkpoint.every_generations=0)
for np in 5 8; do
  evo $np "${delay[@]}" --set algorithm.population=$((40 * (np - 1))) --set algorithm.crossover_prob=1 \
    --set algorithm.mutation_prob=1 --out "$work/delay$np" >"$work/delay$np.log" 2>&1
  echo "parallel_efficiency_delay10ms_np$np: $(efficiency "$work/delay$np")"
done

exponential=(run "$root/examples/demo.toml" --set problem.name=sphere --set problem.dimension=10
  --set problem.delay_ms=10 --set problem.delay_distribution=exponential
  --set algorithm.population=100 --set run.generations=5 --set checkpoint.every_generations=0
  --set algorithm.crossover_prob=1 --set algorithm.mutation_prob=1)
for algorithm in simple steady_state; do
  evo 5 "${exponential[@]}" --set algorithm.name=$algorithm --out "$work/exp-$algorithm" \
    >"$work/exp-$algorithm.log" 2>&1
  echo "utilization_exponential10ms_np5_$algorithm: $(efficiency "$work/exp-$algorithm")"
done

# External-command overhead: the worker's busy time per evaluation of a trivial program
# (/bin/echo 1: prints a fitness, reads nothing) against bench/fork_exec, a bare fork + exec +
# wait of the same program with its stdout on a pipe read to the end. On top of that,
# evocluster creates and removes a scratch directory, gives the program stdin and stderr
# pipes, a process group of its own, default signals and the EVO_* environment, watches it
# with a pidfd and poll() (timeout bookkeeping) and parses its output; it starts the program
# with posix_spawn (vfork-like), where the reference forks. The machine may be shared, so the
# two are measured alternately in three rounds and the round with the median ratio is shown
# (every round on stderr).
program=/bin/echo
command=(run "$root/examples/demo.toml" --set problem.name=command --set problem.dimension=10
  --set genome.lower=-1 --set genome.upper=1 --set command.input=none
  --set "command.argv=[\"$program\", \"1\"]" --set algorithm.population=200
  --set run.generations=2 --set checkpoint.every_generations=0)
rounds=()
for round in 1 2 3; do
  bare=$("$build/fork_exec" 300 "$program" 1 | sed -n 's/fork_exec_us_per_call: //p')
  evo 2 "${command[@]}" --out "$work/command$round" >"$work/command$round.log" 2>&1
  per_eval=$(grep -o 'worker 1: [0-9]* evaluations in [0-9]* batches, busy [0-9.]* s' \
    "$work/command$round.log" | awk '{ printf "%.1f", $9 * 1e6 / $3 }')
  ratio=$(awk -v a="$per_eval" -v b="$bare" 'BEGIN { printf "%.2f", a / b }')
  echo "command round $round: evocluster $per_eval us, bare $bare us, ratio $ratio" >&2
  rounds+=("$ratio $per_eval $bare")
done
read -r ratio per_eval bare < <(printf '%s\n' "${rounds[@]}" | sort -g | sed -n 2p)
echo "# command: evocluster = posix_spawn, scratch dir, 3 pipes, process group, pidfd + poll; reference = fork + exec + wait, stdout pipe only"
echo "command_overhead_per_eval: $per_eval us"
echo "bare_fork_exec_wait: $bare us"
echo "command_overhead_ratio: $ratio x"
