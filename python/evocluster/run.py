"""A whole output directory: `load_run(out_dir)`. A run has one Job per `run.jobs`
(OUT itself for one job, OUT/job.J/ for several); each job's state is its newest intact
checkpoint (damaged newer ones are skipped with a warning, as `run` does on resume).
"""

import csv
import os
import re
import warnings

import numpy as np

from .checkpoint import load_checkpoint
from .integrity import CheckpointError
from .logbook import Logbook

_CHECKPOINT_NAME = re.compile(r"^ckpt-(\d+)-j(\d+)-g(\d+)\.h5$")


def checkpoint_files(directory):
    """OUT[/job.J]/checkpoints/*.h5, oldest first (by sequence number, never mtime)."""
    folder = os.path.join(directory, "checkpoints")
    if not os.path.isdir(folder):
        return []
    found = []
    for name in os.listdir(folder):
        match = _CHECKPOINT_NAME.match(name)
        if match:
            found.append((int(match.group(1)), os.path.join(folder, name)))
    return [path for _, path in sorted(found)]


def read_csv_table(path):
    """A CSV file of numbers as a Logbook (columns of float arrays); None if it is absent."""
    if not os.path.exists(path):
        return None
    with open(path, newline="") as stream:
        rows = list(csv.reader(stream))
    if not rows:
        return Logbook({})
    header, body = rows[0], rows[1:]
    return Logbook({name: np.array([float(row[i]) for row in body])
                    for i, name in enumerate(header)})


class Job:
    """One job's directory: `.checkpoint` (newest intact), and through it `.population`,
    `.hall_of_fame`, `.logbook`, `.config`, `.rng`, `.algorithm`; `.workers` is workers.csv."""

    def __init__(self, directory, index, pandas=None):
        self.directory = directory
        self.index = index
        self.checkpoints = checkpoint_files(directory)
        self.checkpoint = None
        for path in reversed(self.checkpoints):
            try:
                self.checkpoint = load_checkpoint(path, pandas)
                break
            except CheckpointError as error:
                warnings.warn(f"skipping damaged checkpoint: {error}")
        if self.checkpoint is None:
            raise CheckpointError(f"{directory}: no intact checkpoint in "
                                  f"{os.path.join(directory, 'checkpoints')}")
        self.workers = read_csv_table(os.path.join(directory, "workers.csv"))

    def __getattr__(self, name):
        if name in ("population", "hall_of_fame", "in_progress", "logbook", "rng", "algorithm",
                    "algorithm_name", "config", "config_text", "attrs", "generation", "final"):
            return getattr(self.checkpoint, name)
        raise AttributeError(name)

    def __repr__(self):
        return (f"Job({self.index}: generation {self.generation}"
                f"{', final' if self.final else ''}, {self.directory})")


class Run:
    """`.jobs[j]` for each job; the attributes of job 0 (population, hall_of_fame, logbook,
    config, ...) are also the run's, so a one-job run reads like a checkpoint."""

    def __init__(self, out_dir, pandas=None):
        self.directory = os.fspath(out_dir)
        if not os.path.isdir(self.directory):
            raise CheckpointError(f"{self.directory}: no such output directory")
        job_dirs = sorted((int(name[4:]), os.path.join(self.directory, name))
                          for name in os.listdir(self.directory)
                          if re.fullmatch(r"job\.\d+", name))
        if not job_dirs:
            job_dirs = [(0, self.directory)]
        self.jobs = [Job(directory, index, pandas) for index, directory in job_dirs]

    def __getattr__(self, name):
        if name == "jobs":
            raise AttributeError(name)
        return getattr(self.jobs[0], name)

    def __len__(self):
        return len(self.jobs)

    def __repr__(self):
        return f"Run({self.directory}: {len(self.jobs)} job{'s' if len(self.jobs) > 1 else ''})"


def load_run(out_dir, pandas=None):
    return Run(out_dir, pandas)
