#!/usr/bin/env bash
# Quality benchmark (not a test: it prints figures, it asserts nothing). Runs the built-in
# algorithms on the classic benchmarks and prints one table, each row beside the
# reference figure it compares against and where that figure comes from.
#
#   scripts/bench-quality.sh [--quick]
#
#   NP=2          ranks per run (results do not depend on it)
#   SEEDS=11      seeds for the CMA-ES rows (median of them)
#   BUDGET_SEEDS=5 seeds for the fixed-budget rows
#   --quick       3 seeds everywhere and 50 NSGA-II generations: a smoke run
#
# Rows for onemax and knapsack appear only when build/evocluster knows those problems
# (its catalog is asked at run time), so the script works with and without them.
set -euo pipefail
cd "$(dirname "$0")/.."
EVO_BIN=${EVO_BIN:-build/evocluster}
NP=${NP:-2}
SEEDS=${SEEDS:-11}
BUDGET_SEEDS=${BUDGET_SEEDS:-5}
NSGA2_GENERATIONS=250
if [[ ${1:-} == --quick ]]; then
  SEEDS=3 BUDGET_SEEDS=3 NSGA2_GENERATIONS=50
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
[[ -x $EVO_BIN ]] || { echo "no $EVO_BIN: build first (scripts/build.sh)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-quality.XXXXXX")
trap 'rm -rf "$work"' EXIT

# run OUT ARGS...: one run, final checkpoint only.
run() {
  local out=$1
  shift
  mpirun --oversubscribe -np "$NP" "$EVO_BIN" run examples/demo.toml --out "$out" \
    --set checkpoint.every_generations=0 "$@" >"$out.log" 2>&1 ||
    { echo "run failed: $*" >&2; tail -n 5 "$out.log" >&2; return 1; }
}
# run_until OUT TARGET MAX_EVALS ARGS...: like run, but stops the run (SIGTERM: it
# checkpoints and exits) once the best of objective 0 reached TARGET or MAX_EVALS
# evaluations are spent: the runs have no target-based stop of their own.
run_until() {
  local out=$1 target=$2 max_evals=$3
  shift 3
  mpirun --oversubscribe -np "$NP" "$EVO_BIN" run examples/demo.toml --out "$out" \
    --set checkpoint.every_generations=0 --set run.generations=1000000 "$@" >"$out.log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [[ -f $out/logbook.csv ]] && awk -F, -v t="$target" -v m="$max_evals" \
      'NR > 1 { e += $2; if ($3 <= t || e >= m) hit = 1 } END { exit !hit }' "$out/logbook.csv"; then
      kill -TERM "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  wait "$pid" 2>/dev/null || true
}
# Evaluations until the best of objective 0 first reaches TARGET (nothing if never).
evals_to() { awk -F, -v t="$2" 'NR > 1 { e += $2; if ($3 <= t) { print e; exit } }' "$1/logbook.csv"; }
# The last row's value of the column named $2 (columns are found by name: other columns
# may be added before it).
last_value() {
  awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i } END { print $c }' "$1/logbook.csv"
}
best_ever() { awk -F, 'NR > 1 && (NR == 2 || $3 < b) { b = $3 } END { printf "%.4g", b }' "$1/logbook.csv"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rows=()
row() { rows+=("$(printf '%-44s | %-22s | %s' "$1" "$2" "$3")"); echo "  $1: $2" >&2; }

# --- CMA-ES: evaluations to a target, default population, median of SEEDS seeds ----------
# Every reference below was looked up (2026-11) in stored copies of the sources named; a
# figure that could not be found in one is printed as NOT VERIFIED, never as a citation.
# cmaes_row LABEL TARGET MAX_EVALS REFERENCE SETTINGS...
cmaes_row() {
  local label=$1 target=$2 max_evals=$3 reference=$4
  shift 4
  local reached=() seed out e result
  for seed in $(seq "$SEEDS"); do
    out="$work/cmaes-$(tr -c 'a-z0-9' - <<<"$label")-$seed"
    run_until "$out" "$target" "$max_evals" --set algorithm.name=cmaes "$@" --set run.seed=$seed
    e=$(evals_to "$out" "$target")
    [[ -n $e ]] && reached+=("$e")
  done
  result="- (0/$SEEDS reached)"
  ((${#reached[@]} > 0)) &&
    result="$(printf '%s\n' "${reached[@]}" | median) evals (${#reached[@]}/$SEEDS reached)"
  row "$label: evals to $target (median)" "$result" "$reference"
}
cmaes_row "cmaes rosenbrock 10-D, default lambda=10" 1e-8 100000 \
  "about 6e3 evals: NOT VERIFIED (no source with a 10-D figure found); CMA-ES/c-cmaes doc.txt: a hard problem takes 100*N to 300*N^2 = 1e3 to 3e4 evals at N = 10" \
  --set problem.name=rosenbrock --set problem.dimension=10
cmaes_row "cmaes rosenbrock 4-D, lambda=8, sigma0=0.5" 1e-12 100000 \
  "1664 evals (best f < 1e-12, one run, x0 = 0.5, seed 3): doctest of test() in CMA-ES/pycma cma/purecma.py" \
  --set problem.name=rosenbrock --set problem.dimension=4 --set algorithm.cmaes_sigma0=0.5
cmaes_row "cmaes rastrigin 10-D, default lambda=10, no restarts" 1e-8 20000 \
  "mostly a local optimum: Hansen & Kern 2004 (PPSN VIII, abstract): a larger population 'remarkably improves the performance on six of the eight test functions'; no 10-D success rate verified" \
  --set problem.name=rastrigin --set problem.dimension=10
# IPOP, as published for multimodal functions.
cmaes_row "cmaes (IPOP) rastrigin 10-D, lambda0=10" 1e-8 1000000 \
  "solved; Auger & Hansen 2005 (CEC 2005, abstract): IPOP better in 29 of 60 multimodal cases of the CEC 2005 suite; no 10-D Rastrigin evaluation count verified; budget here 1e6 evals" \
  --set problem.name=rastrigin --set problem.dimension=10 --set algorithm.cmaes_restarts=9

# --- DE and simple on 30-D Rastrigin, fixed budget of 1e5 evaluations ----------------------
for algorithm in de simple; do
  values=()
  for seed in $(seq "$BUDGET_SEEDS"); do
    out="$work/$algorithm-rastrigin-$seed"
    if [[ $algorithm == de ]]; then
      run "$out" --set algorithm.name=de --set problem.name=rastrigin --set problem.dimension=30 \
        --set algorithm.population=100 --set run.generations=999 --set run.seed=$seed
    else
      # simple re-evaluates only changed children: run until the same budget is spent.
      run "$out" --set algorithm.name=simple --set problem.name=rastrigin --set problem.dimension=30 \
        --set algorithm.population=100 --set run.generations=1200 --set run.seed=$seed
    fi
    values+=("$(awk -F, 'NR > 1 { e += $2; if (e <= 100000 && (NR == 2 || $3 < b)) b = $3 } END { print b }' "$out/logbook.csv")")
  done
  row "$algorithm rastrigin 30-D, best after 1e5 evals (median)" \
    "$(printf '%s\n' "${values[@]}" | median)" \
    "optimum 0; DE/rand/1/bin F=0.8 CR=0.9 pop 100 vs eaSimple pop 100 (no published figure: compared with each other)"
done

# --- NSGA-II on ZDT1-3: hypervolume of the final first front, reference (1.1, 1.1) ---------
# True-front values: the area dominated by f2 = h(f1), f1 in [0, 1], up to (1.1, 1.1):
#   ZDT1 h = 1 - sqrt(f1): 0.1 + 2/3 + 0.11 = 0.87667;  ZDT2 h = 1 - f1^2: 0.1 + 1/3 + 0.11 =
#   0.54333;  ZDT3 (disconnected) integrated numerically below (1e6 steps): 1.33176.
true_hv() {
  awk -v p="$1" 'BEGIN { pi = atan2(0, -1); n = 1000000; m = 1e9; a = 0
    for (i = 0; i <= n; i++) { x = i / n
      h = p == "zdt1" ? 1 - sqrt(x) : (p == "zdt2" ? 1 - x * x : 1 - sqrt(x) - x * sin(10 * pi * x))
      if (h < m) m = h; if (i < n) a += (1.1 - m) / n }
    printf "%.5f", a + 0.1 * (1.1 - m) }'
}
for problem in zdt1 zdt2 zdt3; do
  values=()
  for seed in $(seq "$BUDGET_SEEDS"); do
    out="$work/nsga2-$problem-$seed"
    # As DEAP's examples/ga/nsga2.py: SBX and polynomial mutation with eta 20, crossover
    # probability 0.9, per-gene mutation probability 1/n (the last two are our defaults;
    # our crossover_eta default is 15).
    run "$out" --set algorithm.name=nsga2 --set problem.name=$problem --set problem.dimension=30 \
      --set algorithm.population=100 --set run.generations=$NSGA2_GENERATIONS --set run.seed=$seed \
      --set algorithm.crossover_eta=20 --set algorithm.mutation_eta=20
    values+=("$(last_value "$out" hypervolume)")
  done
  row "nsga2 $problem 30 vars, pop 100, eta 20, $NSGA2_GENERATIONS gens: HV (median)" \
    "$(printf '%s\n' "${values[@]}" | median)" "true front $(true_hv $problem) (ref (1.1, 1.1))"
done

# --- Problems with a known optimum that another branch adds --------------------------------
catalog_has() {
  local message
  message=$("$EVO_BIN" run examples/demo.toml --set problem.name="$1" --set run.generations=0 \
    --out "$work/probe-$1" 2>&1 || true)
  ! grep -q "unknown problem '$1'" <<<"$message"
}
for problem in onemax knapsack; do
  if ! catalog_has $problem; then
    row "$problem" "skipped" "this build does not know problem '$problem'"
    continue
  fi
  dimension=100 reference="-100 (all ones)"
  [[ $problem == knapsack ]] && dimension=50 reference="-2022 (DP optimum of instance_seed 1, docs/problems.md)"
  values=()
  for seed in $(seq "$BUDGET_SEEDS"); do
    out="$work/$problem-$seed"
    if run "$out" --set problem.name=$problem --set problem.dimension=$dimension \
      --set algorithm.population=100 --set run.generations=200 --set run.seed=$seed; then
      values+=("$(best_ever "$out")")
    fi
  done
  result="run failed"
  ((${#values[@]} > 0)) && result=$(printf '%s\n' "${values[@]}" | median)
  row "$problem $dimension (simple, pop 100, 200 gens): best (median)" "$result" "$reference"
done

echo
printf '%-44s | %-22s | %s\n' "benchmark" "evocluster" "reference"
printf '%s\n' "$(printf '%.0s-' $(seq 120))"
printf '%s\n' "${rows[@]}"
