#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with ctest (unit, MPI
# and end-to-end tests under real mpirun, and the Slurm tests on a local Slurm that ctest
# brings up and down: they need root). Arguments go to ctest, e.g. `-L e2e`, `-L slurm`,
# or `-LE slurm` where no local Slurm can run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh --slurm
scripts/build.sh -DEVO_WERROR=ON
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd build
ctest --output-on-failure -j 2 "$@"
