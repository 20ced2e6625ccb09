#!/usr/bin/env bash
# A new user's first command: installs what is missing, builds, and runs the built-in
# example (examples/demo.toml: Rastrigin, 30 dimensions) under mpirun with 4 ranks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
# The same configuration as scripts/test.sh, so the test command after this one rebuilds
# nothing (a changed flag would recompile every file).
scripts/build.sh -DEVO_WERROR=ON
if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
out=runs/demo
echo "quickstart: mpirun -np 4 build/evocluster run examples/demo.toml --out $out"
# --oversubscribe: 4 ranks also run on a machine with fewer cores.
mpirun --oversubscribe -np 4 build/evocluster run examples/demo.toml --out "$out"
newest=$(ls "$out"/checkpoints/ckpt-*.h5 | sort | tail -n 1)
cat <<MSG

quickstart: done. Results are in $root/$out:
  $out/logbook.csv          one row per generation
  $out/checkpoints/         HDF5 checkpoints; the newest is the final state:
  $newest
Try:  build/evocluster inspect $newest
      h5dump -d /hall_of_fame/fitness $newest
Run the same command again and it reports the run as finished; add --fresh to start over.
MSG
