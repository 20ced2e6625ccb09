"""load_run on output directories of real runs: one job, and jobs = 2 (each job its part)."""

import os

import numpy as np
import pytest

import evocluster
from conftest import checkpoints


def test_one_job_reads_like_its_newest_checkpoint(runs):
    run = evocluster.load_run(runs["single.np2"], pandas=False)
    assert len(run) == 1 and len(run.jobs) == 1
    newest = evocluster.load_checkpoint(checkpoints(runs["single.np2"])[-1], pandas=False)
    assert run.jobs[0].checkpoint.path == newest.path
    np.testing.assert_array_equal(run.population.genomes, newest.population.genomes)
    assert run.hall_of_fame[0].fitness == newest.hall_of_fame[0].fitness
    assert run.logbook.select("min") == newest.logbook.select("min")
    assert run.config == newest.config and run.generation == 6 and run.final
    # Worker utilisation is in workers.csv: one worker rank here.
    assert run.jobs[0].workers is not None and set(run.jobs[0].workers["rank"]) == {1.0}


def test_jobs_are_each_a_part_of_the_run(runs):
    run = evocluster.load_run(runs["jobs"], pandas=False)
    assert [job.index for job in run.jobs] == [0, 1]
    for job in run.jobs:
        assert os.path.basename(job.directory) == f"job.{job.index}"
        assert job.attrs["job"] == job.index and job.final and job.generation == 6
        assert len(job.logbook) == 7
        assert job.hall_of_fame[0].genome.shape == (5,)
    # Independent runs: job 1 has a seed stream of its own.
    assert not np.array_equal(run.jobs[0].population.genomes, run.jobs[1].population.genomes)
    # The run's own attributes are job 0's.
    np.testing.assert_array_equal(run.population.genomes, run.jobs[0].population.genomes)


def test_job_zero_of_two_is_the_one_job_run(runs):
    # Job 0 derives its seed stream as a one-job run does, so the two agree.
    jobs = evocluster.load_run(runs["jobs"], pandas=False)
    single = evocluster.load_run(runs["single.np2"], pandas=False)
    np.testing.assert_array_equal(jobs.jobs[0].population.fitness, single.population.fitness)


def test_not_a_run_directory(tmp_path):
    with pytest.raises(evocluster.CheckpointError, match="no such output directory"):
        evocluster.load_run(tmp_path / "missing")
    with pytest.raises(evocluster.CheckpointError, match="no intact checkpoint"):
        evocluster.load_run(tmp_path)
