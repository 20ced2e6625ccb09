"""Real runs for the package's tests: build/evocluster under real mpirun, made once per
session in a temporary directory that pytest removes. EVO_BIN names the program (ctest sets
it); without it the build tree's build/evocluster is used."""

import os
import pathlib
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]
EVO_BIN = os.environ.get("EVO_BIN", str(SOURCE_DIR / "build" / "evocluster"))
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1"}
# Small and quick, but with enough generations for three checkpoints.
SINGLE = ["--set", "problem.name=sphere", "--set", "problem.dimension=5",
          "--set", "genome.lower=-5.12", "--set", "genome.upper=5.12",
          "--set", "algorithm.population=20", "--set", "run.generations=6",
          "--set", "checkpoint.every_generations=2", "--set", "checkpoint.keep=5"]
MULTI = ["--set", "problem.name=zdt1", "--set", "problem.dimension=6",
         "--set", "algorithm.name=nsga2", "--set", "algorithm.population=24",
         "--set", "run.generations=6", "--set", "checkpoint.every_generations=3"]


def evocluster_run(out, ranks, *arguments):
    """`mpirun -np RANKS evocluster run examples/demo.toml ARGUMENTS --out OUT`; returns OUT."""
    command = ["mpirun", "--oversubscribe", "-np", str(ranks), EVO_BIN, "run",
               str(SOURCE_DIR / "examples" / "demo.toml"), *arguments, "--out", str(out)]
    done = subprocess.run(command, env={**os.environ, **MPI_ENV}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{done.stderr}"
    return out


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """Output directories of real runs by name: single-objective at 1 and 2 ranks, jobs = 2
    at 2 ranks, and NSGA-II on ZDT1 at 2 ranks."""
    base = tmp_path_factory.mktemp("runs")
    return {
        "single.np1": evocluster_run(base / "single.np1", 1, *SINGLE),
        "single.np2": evocluster_run(base / "single.np2", 2, *SINGLE),
        "jobs": evocluster_run(base / "jobs", 2, *SINGLE, "--set", "run.jobs=2"),
        "multi": evocluster_run(base / "multi", 2, *MULTI),
    }


def checkpoints(out):
    """OUT's checkpoint files, oldest first."""
    return sorted((pathlib.Path(out) / "checkpoints").glob("ckpt-*.h5"))


@pytest.fixture
def newest(runs):
    return lambda name: checkpoints(runs[name])[-1]
