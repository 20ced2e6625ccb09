#!/usr/bin/env bash
# Every algorithm of issue 6 under real mpirun (on real genomes; mu_plus_lambda and
# mu_comma_lambda also on binary, integer and permutation genomes, and mu_plus_lambda with a
# tournament survivor selection). Each runs once uninterrupted with 1 rank
# (the reference); then with 4 ranks it is killed with kill -9 after its first checkpoint
# and restarted, and must finish identical to the reference (population, hall of fame,
# logbook, master RNG and the algorithm's own /algorithm state): one comparison for both
# rank-count independence and resume. cmaes and nsga2 are also stopped by SIGUSR1 in the
# middle of a generation with 4 ranks and resumed with 2. (Kept to these runs so that the
# test stays short on a loaded 2-core machine.)
source "$(dirname "$0")/lib.sh"

# name: the extra --set arguments of each case (small, with slow-ish evaluations so that
# the kill lands mid-run).
declare -A cases=(
  [mu_plus_lambda]="algorithm.name=mu_plus_lambda problem.name=rastrigin problem.dimension=6 algorithm.mu=10 algorithm.lambda=20"
  [mu_comma_lambda]="algorithm.name=mu_comma_lambda problem.name=sphere problem.dimension=6 algorithm.mu=8 algorithm.lambda=24"
  [cmaes]="algorithm.name=cmaes problem.name=rosenbrock problem.dimension=8 algorithm.cmaes_restarts=2"
  [de]="algorithm.name=de problem.name=rastrigin problem.dimension=6 algorithm.population=20 algorithm.de_variant=best/1/bin"
  [nsga2]="algorithm.name=nsga2 problem.name=zdt1 problem.dimension=8 algorithm.population=20"
  # The (mu, lambda) pair on the other genome types, through their own operators.
  [mu_plus_lambda_binary]="algorithm.name=mu_plus_lambda problem.name=onemax problem.dimension=40 algorithm.mu=10 algorithm.lambda=20"
  [mu_plus_lambda_integer]="algorithm.name=mu_plus_lambda problem.name=rastrigin problem.dimension=6 genome.type=integer algorithm.mu=10 algorithm.lambda=20"
  [mu_comma_lambda_permutation]="algorithm.name=mu_comma_lambda problem.name=tsp_berlin52 problem.dimension=52 algorithm.mu=10 algorithm.lambda=30"
  # Survivors drawn by a selection method (DEAP's toolbox.select) rather than truncation:
  # accept() draws from the master's RNG too.
  [mu_plus_lambda_tournament]="algorithm.name=mu_plus_lambda problem.name=rastrigin problem.dimension=6 algorithm.mu=10 algorithm.lambda=20 algorithm.survivor_selection=tournament algorithm.tournament_size=2"
)

# Both runs' /algorithm groups identical, and for multi-objective runs the logbook's
# per-objective columns and hypervolume (compare-runs.sh checks the rest).
same_algorithm_state() {
  local a b object
  a=$(newest_checkpoint "$1") b=$(newest_checkpoint "$2")
  for object in /algorithm /logbook/objective_stats /logbook/hypervolume; do
    [[ $object == /logbook/* ]] && ! h5ls "$a$object" >/dev/null 2>&1 && continue
    if ! h5diff "$a" "$b" $object $object >/dev/null 2>&1; then
      fail "$3: $object differs"
      h5diff -r "$a" "$b" $object $object 2>&1 | head -n 5 >&2
      return 1
    fi
  done
}

for name in mu_plus_lambda mu_comma_lambda cmaes de nsga2 mu_plus_lambda_binary \
  mu_plus_lambda_integer mu_comma_lambda_permutation mu_plus_lambda_tournament; do
  base=$(scratch "algorithms-$name")
  config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.delay_ms=4
    --set run.generations=16 --set checkpoint.every_generations=3)
  for setting in ${cases[$name]}; do config+=(--set "$setting"); done

  if ! evo_run 1 "${config[@]}" --out "$base/np1" >"$base/np1.log" 2>&1; then
    fail "$name np=1: run failed"
    tail -n 20 "$base/np1.log" >&2
    continue
  fi
  first=$(sed -n 2p "$base/np1/logbook.csv" | cut -d, -f3)
  last=$(tail -n 1 "$base/np1/logbook.csv" | cut -d, -f3)
  if [[ $name == nsga2 ]]; then
    # The per-objective columns and the hypervolume are there, and the hypervolume grew.
    header=$(head -n 1 "$base/np1/logbook.csv")
    [[ $header == *,min_0,avg_0,max_0,min_1,avg_1,max_1,hypervolume ]] ||
      fail "nsga2: logbook header lacks the multi-objective columns: $header"
    hv_first=$(sed -n 2p "$base/np1/logbook.csv" | awk -F, '{ print $NF }')
    hv_last=$(tail -n 1 "$base/np1/logbook.csv" | awk -F, '{ print $NF }')
    awk -v a="$hv_first" -v b="$hv_last" 'BEGIN { exit !(b > a) }' &&
      pass "nsga2: hypervolume grew from $hv_first to $hv_last" ||
      fail "nsga2: hypervolume did not grow ($hv_first -> $hv_last)"
    ! grep -q "hypervolume has been 0" "$base/np1.log" ||
      fail "nsga2: warned of a zero hypervolume in a run whose hypervolume grew"
    # A reference point the whole front lies beyond: the column is all 0, and the run says
    # so once, naming the key to set.
    evo_run 1 "${config[@]}" --set run.generations=3 --set "algorithm.hv_reference=[0.01, 0.01]" \
      --out "$base/beyond" >"$base/beyond.log" 2>&1 || fail "nsga2: run with hv_reference [0.01, 0.01] failed"
    if [[ $(grep -c "hypervolume has been 0 in all 4 generations.*algorithm.hv_reference" \
      "$base/beyond.log") == 1 ]]; then
      pass "nsga2: a front beyond the reference point draws one warning naming algorithm.hv_reference"
    else
      fail "nsga2: no (or more than one) zero-hypervolume warning"; tail -n 8 "$base/beyond.log" >&2
    fi
  fi
  awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a) }' &&
    pass "$name: best of objective 0 improved from $first to $last" ||
    fail "$name: best did not improve ($first -> $last)"

  # kill -9 of the whole launch after its first checkpoint, then the same command again.
  out="$base/killed"
  if [[ $(kill_after_first_checkpoint "$out" 0.3 4 "${config[@]}") == killed ]]; then
    if evo_run 4 "${config[@]}" --out "$out" >>"$out.log" 2>&1 && grep -q "resuming from" "$out.log"; then
      at=$(grep -o "resuming from .*generation [0-9]*" "$out.log" | grep -o "[0-9]*$")
      same_results "$base/np1" "$out" "$name killed" &&
        same_algorithm_state "$base/np1" "$out" "$name killed" &&
        pass "$name: 4 ranks, killed with kill -9, resumed at generation $at: identical to 1 rank"
    else
      fail "$name: the restart after kill -9 failed or did not resume"
      tail -n 20 "$out.log" >&2
    fi
  else
    fail "$name: finished before the kill; the test needs a slower run"
  fi

  # SIGUSR1 while generation 5 is being evaluated: a checkpoint of the partial generation
  # (the bred candidates and the algorithm's state after breeding), exit 85, resume with
  # another rank count. For
  # the algorithms whose breeding changes their state (IPOP restarts) or whose state goes
  # beyond the population; the others are covered by the kill above, to keep this short.
  [[ $name == cmaes || $name == nsga2 ]] || continue
  out="$base/signaled"
  start_detached "$out" 4 "${config[@]}"
  pid=$detached_pid
  wait_for_generation "$out" 4 || fail "generation 4 was never logged"
  sleep 0.02
  kill -USR1 "$pid"
  rc=0
  wait "$pid" || rc=$?
  where=$(grep -o "generation [0-9]* in progress: [0-9]* of [0-9]* evaluated" "$out.log" | tail -n 1 || true)
  if [[ $rc != 85 ]]; then
    fail "$name: SIGUSR1 gave exit $rc, expected 85"
    tail -n 20 "$out.log" >&2
  elif evo_run 2 "${config[@]}" --out "$out" >>"$out.log" 2>&1; then
    same_results "$base/np1" "$out" "$name SIGUSR1" &&
      same_algorithm_state "$base/np1" "$out" "$name SIGUSR1" &&
      pass "$name: 4 ranks stopped by SIGUSR1 (${where:-between generations}), resumed with 2: identical to 1 rank"
  else
    fail "$name: the restart after SIGUSR1 failed"
    tail -n 20 "$out.log" >&2
  fi
done

# The survivor selection reaches the algorithm: same settings, other survivors, other logbook.
plain=$EVO_WORK_DIR/algorithms-mu_plus_lambda/np1/logbook.csv
drawn=$EVO_WORK_DIR/algorithms-mu_plus_lambda_tournament/np1/logbook.csv
if [[ -s $plain && -s $drawn ]]; then
  if cmp -s <(cut -d, -f1-6 "$plain") <(cut -d, -f1-6 "$drawn"); then
    fail "survivor_selection=tournament gave the same logbook as truncation"
  else
    pass "survivor_selection=tournament evolves differently from truncation"
  fi
fi

# Bad input under mpirun: exit 2 from every rank, the message names the key and value.
base=$(scratch algorithms-bad-config)
bad_config() {
  local label=$1 expected=$2
  shift 2
  local rc=0
  timeout 60 mpirun --oversubscribe -np 3 "$EVO_BIN" run "$EVO_SOURCE_DIR/examples/demo.toml" \
    --out "$base/out" "$@" >"$base/$label.log" 2>&1 || rc=$?
  if [[ $rc == 2 ]] && grep -qF "$expected" "$base/$label.log"; then
    pass "$label: exit 2 with '$expected'"
  else
    fail "$label: exit $rc (expected 2 and '$expected')"
    tail -n 5 "$base/$label.log" >&2
  fi
}
bad_config "cmaes on zdt1" "algorithm.name = 'cmaes' minimises a single objective, but problem 'zdt1' has 2 objectives" \
  --set algorithm.name=cmaes --set problem.name=zdt1
bad_config "de population" "algorithm.population must be >= 4 for de rand/1/bin" \
  --set algorithm.name=de --set algorithm.population=3
bad_config "hv_reference" "algorithm.hv_reference needs one coordinate per objective (3), got 2" \
  --set algorithm.name=nsga2 --set problem.name=dtlz2 --set "algorithm.hv_reference=[1, 1]"
[[ ! -e $base/out/checkpoints ]] || fail "a rejected config still wrote checkpoints"
finish
