#!/usr/bin/env bash
# Job-queue benchmark (issue 4): prints one `name: value unit` line per figure.
#   - dispatch throughput on sphere (dimension 10, population 10,000) at 2, 3 and 5 ranks;
#     at 2 ranks the master-side cost per evaluation, end to end (logbook wall_s: job queue,
#     selection, statistics) and of the job queue alone (workers.csv dispatch_s: first send
#     to last stored result of each generation), against a raw MPI packed-batch round trip
#     measured in the same run by bench/mpi_roundtrip (about the same message bytes per
#     task and per batch, the mean batch size and the prefetch evocluster used; streaming, and in
#     rounds of one generation drained at each barrier as evocluster is), with the ratios; and
#     what the master spends besides the job queue (breeding; selection and statistics);
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
# dispatch_ns OUT: job-queue seconds per evaluation (in ns) over the generations after the
# first (workers.csv repeats a generation's dispatch_s on each worker's row).
dispatch_ns() {
  awk -F, 'FNR == 1 { next } FILENAME ~ /workers/ { if ($1 >= 1 && !seen[$1]++) d += $7; next }
    FNR > 2 { e += $2 } END { printf "%.1f", d * 1e9 / e }' "$1/workers.csv" "$1/logbook.csv"
}
# worker_eval_ns OUT: the workers' evaluation (busy) time per evaluation (in ns) over the
# generations after the first: the fitness itself, which the raw reference does not compute.
worker_eval_ns() {
  awk -F, 'FNR == 1 { next } FILENAME ~ /workers/ { if ($1 >= 1) b += $5; next }
    FNR > 2 { e += $2 } END { printf "%.1f", b * 1e9 / e }' "$1/workers.csv" "$1/logbook.csv"
}
# batches LOG: the mean batch size evocluster used (evaluations / batches of all workers).
mean_batch() {
  grep -o '[0-9]* evaluations in [0-9]* batches' "$1" |
    awk '{ e += $1; b += $4 } END { printf "%.0f", e / b }'
}

in_flight=2
# 100 generations: about 930,000 evaluations, as many as the raw reference streams. The first
# generations pay one-off costs (message buffers growing to their final size; a fresh page
# costs microseconds on these virtual machines), which 10 generations did not amortise.
sphere=(run "$root/examples/demo.toml" --set problem.name=sphere --set problem.dimension=10
  --set algorithm.population=10000 --set run.generations=100 --set checkpoint.every_generations=0
  --set dispatch.in_flight=$in_flight)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
for np in 2 3 5; do
  evo $np "${sphere[@]}" --out "$work/sphere$np" >"$work/sphere$np.log" 2>&1
  if ((np == 2)); then
    # The cost comparison on a shared machine: evocluster and the raw reference are each
    # run 3 times, alternating, and each side's best run is kept (a neighbour's burst of
    # work otherwise decides the ratio).
    best="$work/sphere$np" dispatch=$(dispatch_ns "$work/sphere$np") raw=""
    for trial in 1 2 3; do
      if ((trial > 1)); then
        out="$work/sphere$np.$trial"
        evo $np "${sphere[@]}" --out "$out" >"$out.log" 2>&1
        d=$(dispatch_ns "$out")
        if less "$d" "$dispatch"; then best=$out dispatch=$d; fi
      fi
      batch=$(mean_batch "$best.log")
      out=$(mpirun --oversubscribe -np 2 "$build/mpi_roundtrip" 1000000 10 "$batch" $in_flight 1)
      r=$(sed -n 's/mpi_roundtrip_ns_per_eval: //p' <<<"$out")
      if [[ -z $raw ]] || less "$r" "$raw"; then raw=$r roundtrip=$out; fi
      # The same, in rounds of one generation (10,000) each drained before the next, as
      # evocluster's generation barrier does; the first (cold) round is left out.
      r=$(mpirun --oversubscribe -np 2 "$build/mpi_roundtrip" 10000 10 "$batch" $in_flight 1 11 |
        sed -n 's/mpi_roundtrip_ns_per_eval: //p')
      if [[ -z ${raw_generations:-} ]] || less "$r" "$raw_generations"; then raw_generations=$r; fi
    done
    rate=$(evals_per_s "$best")
    echo "dispatch_throughput_np$np: $rate evals/s (best of 3; evaluation phase, breeding excluded)"
    cost=$(awk -v r="$rate" 'BEGIN { printf "%.1f", 1e9 / r }')
    echo "evocluster_cost_per_eval_np2: $cost ns (end to end: job queue, selection, statistics; batches of $batch on average)"
    echo "evocluster_dispatch_cost_per_eval_np2: $dispatch ns (job queue only, best of 3)"
    echo "raw_mpi_packed_roundtrip_np2: $raw ns (batches of $batch, $in_flight in flight per worker, best of 3)"
    echo "raw_mpi_payload_per_eval: $(sed -n 's/mpi_roundtrip_bytes_per_eval: //p' <<<"$roundtrip") (the classic packed layout; evocluster's carries about as many bytes)"
    echo "raw_mpi_packed_roundtrip_per_generation_np2: $raw_generations ns (the same in rounds of 10,000 with a barrier between rounds, best of 3)"
    echo "cost_ratio_dispatch_vs_raw_mpi_np2: $(ratio "$dispatch" "$raw") x"
    echo "cost_ratio_dispatch_vs_raw_mpi_per_generation_np2: $(ratio "$dispatch" "$raw_generations") x (like for like: both drain at each generation)"
    echo "cost_ratio_evocluster_vs_raw_mpi_np2: $(ratio "$cost" "$raw") x"
    # Not in the ratios: the master's work outside the job queue, from its end-of-job line.
    sed -n 's/.*master: .* evaluations (\([0-9.]*\), \([0-9.]*\), \([0-9.]*\) ns per evaluation)/master_besides_dispatch_np2: breeding \2 ns, selection and statistics \3 ns per evaluation/p' \
      "$best.log"
    # The whole generation loop as a user waits for it: breeding (on the master, between
    # the evaluation phases) added to the end-to-end cost.
    breeding=$(sed -n 's/.*master: .* evaluations ([0-9.]*, \([0-9.]*\), [0-9.]* ns per evaluation)/\1/p' "$best.log")
    echo "evolution_throughput_np2: $(awk -v c="$cost" -v b="$breeding" 'BEGIN { printf "%.0f", 1e9 / (c + b) }') evals/s (whole generation loop, breeding included)"
    # About the same message bytes; what still differs: evocluster's batches shrink within a
    # generation (to balance its end) and each generation starts and ends with an empty
    # pipeline, and its worker evaluates and times the fitness.
    echo "worker_evaluation_per_eval_np2: $(worker_eval_ns "$best") ns (busy_s: sphere itself, inside the job queue's time; the raw reference's worker computes nothing)"
    echo "note_np2: evocluster batches shrink within each generation (mean $batch) and its worker evaluates sphere; the raw reference sends fixed batches of $batch and its worker answers at once"
  else
    echo "dispatch_throughput_np$np: $(evals_per_s "$work/sphere$np") evals/s (evaluation phase, breeding excluded)"
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
