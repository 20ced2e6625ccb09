"""`evocluster export` (C++) round-trips what load_checkpoint reads, bit for bit, in CSV and
JSON, for the hall of fame and the population, single- and multi-objective."""

import csv
import io
import json
import subprocess

import numpy as np
import pytest

import evocluster
from conftest import EVO_BIN


def export(path, *arguments):
    done = subprocess.run([EVO_BIN, "export", str(path), *arguments], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("name", ["single.np2", "multi"])
@pytest.mark.parametrize("what", ["hall_of_fame", "population"])
def test_csv_round_trips_exactly(newest, name, what):
    path = newest(name)
    expected = getattr(evocluster.load_checkpoint(path), what)
    rows = list(csv.reader(io.StringIO(export(path, "--what", what))))
    k, d = expected.objectives, expected.dimension
    assert rows[0] == [f"fitness_{i}" for i in range(k)] + [f"gene_{i}" for i in range(d)]
    table = np.array([[float(value) for value in row] for row in rows[1:]])
    assert table.shape == (len(expected), k + d)
    # Equal as bits, not approximately: the shortest round-trip form reads back exactly.
    assert table[:, :k].tobytes() == np.ascontiguousarray(expected.fitness).tobytes()
    assert table[:, k:].tobytes() == np.ascontiguousarray(expected.genomes).tobytes()


@pytest.mark.parametrize("name", ["single.np2", "multi"])
def test_json_round_trips_exactly(newest, name):
    path = newest(name)
    checkpoint = evocluster.load_checkpoint(path)
    document = json.loads(export(path, "--format", "json"))
    assert document["checkpoint"] == str(path)
    assert document["what"] == "hall_of_fame"
    assert (document["job"], document["generation"], document["final"]) == (0, 6, True)
    assert document["objectives"] == checkpoint.hall_of_fame.objectives
    assert document["dimension"] == checkpoint.hall_of_fame.dimension
    individuals = document["individuals"]
    assert len(individuals) == len(checkpoint.hall_of_fame)
    for exported, individual in zip(individuals, checkpoint.hall_of_fame):
        assert tuple(exported["fitness"]) == individual.fitness.values
        assert exported["genome"] == individual.genome.tolist()


def test_export_to_a_file_equals_stdout(newest, tmp_path):
    path = newest("single.np1")
    target = tmp_path / "hof.csv"
    done = subprocess.run([EVO_BIN, "export", str(path), "-o", str(target)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "", done.stderr
    assert target.read_text() == export(path)
