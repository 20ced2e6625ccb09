"""load_checkpoint on checkpoints of real runs: every part of the file, checked against what
h5py reads directly and against the run's logbook.csv."""

import csv
import math

import h5py
import numpy as np
import pytest

import evocluster
from conftest import checkpoints

TIMING = {"retried", "wall_s", "evals_per_s"}  # run-dependent columns


def test_population_matches_the_file(newest):
    path = newest("single.np1")
    checkpoint = evocluster.load_checkpoint(path)
    with h5py.File(path, "r") as raw:
        np.testing.assert_array_equal(checkpoint.population.genomes, raw["population/genomes"])
        np.testing.assert_array_equal(checkpoint.population.fitness, raw["population/fitness"])
    assert len(checkpoint.population) == 20
    assert checkpoint.population.dimension == 5
    assert checkpoint.population.objectives == 1
    individual = checkpoint.population[-1]
    assert len(individual) == 5 and list(individual) == list(checkpoint.population.genomes[-1])
    assert individual.fitness.values == (checkpoint.population.fitness[-1, 0],)


def test_hall_of_fame_reads_as_in_deap(newest):
    checkpoint = evocluster.load_checkpoint(newest("single.np1"))
    hof = checkpoint.hall_of_fame
    best = hof[0]
    assert best.genome.shape == (5,)
    assert len(best.fitness.values) == 1
    # Sorted best first, as DEAP's HallOfFame; the best ever is at least as good as the
    # best of the final population.
    assert list(hof.fitness[:, 0]) == sorted(hof.fitness[:, 0])
    assert best.fitness.values[0] <= np.nanmin(checkpoint.population.fitness[:, 0])
    assert best.fitness.values[0] == pytest.approx(sum(x * x for x in best.genome), rel=1e-12)
    assert hof.best().fitness == best.fitness


def test_logbook_as_in_deap_and_equal_to_logbook_csv(runs, newest):
    checkpoint = evocluster.load_checkpoint(newest("single.np1"), pandas=False)
    logbook = checkpoint.logbook
    assert len(logbook) == 7  # generation 0 (the initial population) to 6
    assert list(logbook["gen"]) == list(range(7))
    assert logbook.select("min") == list(logbook["min"])
    gen, minimum = logbook.select("gen", "min")
    assert gen == list(range(7)) and minimum == logbook.select("min")
    assert all(row["min"] <= row["avg"] <= row["max"] for row in logbook)
    with open(runs["single.np1"] / "logbook.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == len(logbook)
    for name in rows[0]:
        if name in TIMING:
            continue
        # The CSV prints 17 significant digits: it round-trips a double exactly.
        assert [float(row[name]) for row in rows] == list(map(float, logbook[name])), name
    with pytest.raises(KeyError, match="no logbook column 'nope'"):
        logbook["nope"]


def test_logbook_is_a_dataframe_only_when_pandas_is_there(newest):
    try:
        import pandas
    except ImportError:
        pandas = None
    logbook = evocluster.load_checkpoint(newest("single.np1")).logbook
    if pandas is None:
        assert isinstance(logbook, evocluster.Logbook)
    else:
        assert isinstance(logbook, pandas.DataFrame)


def test_rng_holds_one_stream_per_rank(newest):
    for name, ranks in (("single.np1", 1), ("single.np2", 2)):
        checkpoint = evocluster.load_checkpoint(newest(name))
        assert checkpoint.attrs["ranks"] == ranks
        assert checkpoint.rng.shape[0] == ranks
        assert checkpoint.rng.dtype == np.uint64
        assert checkpoint.rng_engine
    # The master's stream drives evolution; a worker's is its own.
    two = evocluster.load_checkpoint(newest("single.np2")).rng
    assert not np.array_equal(two[0], two[1])


def test_results_do_not_depend_on_the_rank_count(newest):
    one = evocluster.load_checkpoint(newest("single.np1"))
    two = evocluster.load_checkpoint(newest("single.np2"))
    np.testing.assert_array_equal(one.population.genomes, two.population.genomes)
    np.testing.assert_array_equal(one.hall_of_fame.fitness, two.hall_of_fame.fitness)
    np.testing.assert_array_equal(one.rng[0], two.rng[0])


def test_attributes_algorithm_and_config(newest):
    checkpoint = evocluster.load_checkpoint(newest("single.np1"))
    assert checkpoint.generation == 6 and checkpoint.final and checkpoint.job == 0
    assert checkpoint.attrs["seed"] == 1
    assert checkpoint.algorithm_name == "simple"
    assert isinstance(checkpoint.algorithm, dict)
    config = checkpoint.config
    assert isinstance(config, dict)
    assert config["problem"]["name"] == "sphere"
    assert config["algorithm"]["population"] == 20
    assert config["run"]["generations"] == 6
    assert "[problem]" in checkpoint.config_text


def test_older_checkpoints_are_not_final(runs):
    files = checkpoints(runs["single.np1"])
    assert len(files) >= 3
    states = [evocluster.load_checkpoint(path) for path in files]
    assert [state.final for state in states] == [False] * (len(files) - 1) + [True]
    assert [state.stop_reason for state in states] == [""] * (len(files) - 1) + ["generations"]
    assert [state.generation for state in states] == sorted(state.generation for state in states)
    for state in states:
        assert len(state.logbook["gen"]) == state.generation + 1


def test_multi_objective_front_and_statistics(newest):
    checkpoint = evocluster.load_checkpoint(newest("multi"), pandas=False)
    assert checkpoint.algorithm_name == "nsga2"
    front = checkpoint.hall_of_fame
    assert front.objectives == 2 and front.fitness.shape[1] == 2 and len(front) > 0
    assert len(front[0].fitness.values) == 2
    # A Pareto front: no member dominates another.
    f = front.fitness
    for a in range(len(f)):
        dominated = np.all(f <= f[a], axis=1) & np.any(f < f[a], axis=1)
        assert not dominated.any(), f"front member {a} is dominated"
    logbook = checkpoint.logbook
    for name in ("min_0", "avg_0", "max_0", "min_1", "avg_1", "max_1", "hypervolume"):
        assert name in logbook.columns, name
    assert all(math.isfinite(v) and v >= 0 for v in logbook.select("hypervolume"))
