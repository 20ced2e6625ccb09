#!/usr/bin/env bash
# The sbatch templates outside Slurm: `--help` prints their help and exits 0, no arguments
# is a usage error (2), and without EVO_BIN or evocluster on PATH they find build/evocluster
# under the submission directory (the docs submit from the repository root).
source "$(dirname "$0")/lib.sh"

base=$(scratch sbatch_templates)
for template in sbatch-mpirun.sh sbatch-srun.sh; do
  script="$EVO_SOURCE_DIR/scripts/$template"
  help=$(bash "$script" --help) || fail "$template --help: exit $?"
  grep -q "sbatch -n 16 --time=12:00:00 scripts/$template CONFIG.toml" <<<"$help" ||
    fail "$template --help does not show how to submit it"
  rc=0
  bash "$script" >/dev/null 2>&1 || rc=$?
  ((rc == 2)) || fail "$template without arguments: exit $rc, expected 2"
done

# A submission directory holding build/evocluster, and a PATH without evocluster.
mkdir -p "$base/submit/build"
ln -s "$EVO_BIN" "$base/submit/build/evocluster"
rc=0
(cd "$base" && env -u EVO_BIN SLURM_SUBMIT_DIR="$base/submit" \
  PATH="$(dirname "$(command -v mpirun)"):/usr/bin:/bin" \
  EVO_MPIRUN_OPTIONS="--oversubscribe -np 2" \
  bash "$EVO_SOURCE_DIR/scripts/sbatch-mpirun.sh" "$EVO_SOURCE_DIR/examples/demo.toml" \
  --out "$base/out" --set run.generations=2 --set algorithm.population=8 \
  --set problem.dimension=3) >"$base/run.log" 2>&1 || rc=$?
((rc == 0)) || fail "sbatch-mpirun.sh with build/evocluster in SLURM_SUBMIT_DIR: exit $rc"
[[ -f $base/out/logbook.csv ]] || fail "sbatch-mpirun.sh did not run evocluster"
((failures > 0)) && cat "$base/run.log" >&2
finish
