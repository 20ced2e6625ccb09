"""One checkpoint file as plain Python objects: `load_checkpoint(path)`.

The file is read once into memory, its integrity header verified (integrity.py), and h5py
parses exactly those bytes. Only hard links to plain datasets are followed: an external
link, soft link, external or virtual dataset in a file is refused, so reading a checkpoint
never opens another file.
"""

import io
import os
import tomllib
from dataclasses import dataclass, field

import h5py
import numpy as np

from .integrity import CheckpointError, verify_image
from .isolated import check_in_child
from .logbook import make_logbook


class Fitness(tuple):
    """The objective values (minimised), as a tuple; `.values` as in DEAP."""

    @property
    def values(self):
        return tuple(self)


class Individual:
    """One row: `.genome` (numpy array) and `.fitness` (Fitness; NaN = not evaluated).
    Indexing, len() and iteration go over the genes, as for a DEAP individual."""

    __slots__ = ("genome", "fitness")

    def __init__(self, genome, fitness):
        self.genome = genome
        self.fitness = Fitness(float(value) for value in fitness)

    def __getitem__(self, gene):
        return self.genome[gene]

    def __len__(self):
        return len(self.genome)

    def __iter__(self):
        return iter(self.genome)

    def __repr__(self):
        return f"Individual(fitness={self.fitness!r}, genome={self.genome!r})"


class Population:
    """Individuals in file order; `.genomes` [n, dim] and `.fitness` [n, objectives] arrays."""

    def __init__(self, genomes, fitness, dimension, objectives):
        self.genomes = genomes
        self.fitness = fitness
        self.dimension = dimension
        self.objectives = objectives

    def __len__(self):
        return self.genomes.shape[0]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"individual {index} of {len(self)}")
        return Individual(self.genomes[index], self.fitness[index])

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def best(self, objective=0):
        """The evaluated individual with the lowest `objective`, or None."""
        column = self.fitness[:, objective] if len(self) else np.empty(0)
        if not np.any(~np.isnan(column)):
            return None
        return self[int(np.nanargmin(column))]

    def __repr__(self):
        return (f"Population({len(self)} individuals x {self.dimension} genes, "
                f"{self.objectives} objectives)")


@dataclass
class Checkpoint:
    path: str
    attrs: dict  # root attributes: generation, job, ranks, final, seed, config_hash, ...
    population: Population
    hall_of_fame: Population
    in_progress: Population
    logbook: object  # pandas.DataFrame or logbook.Logbook
    rng: np.ndarray  # uint64 [ranks, 8], row r = rank r (0 = master)
    rng_engine: str
    algorithm_name: str
    algorithm: dict = field(default_factory=dict)  # the algorithm's named arrays
    config_text: str = ""
    config: dict = field(default_factory=dict)
    ranks_history: np.ndarray = None

    @property
    def generation(self):
        return int(self.attrs["generation"])

    @property
    def job(self):
        return int(self.attrs["job"])

    @property
    def final(self):
        return bool(self.attrs["final"])

    @property
    def stop_reason(self):
        """Why the job ended; "" unless final.

        "generations" (run.generations reached), "target_fitness", "max_evaluations",
        "stagnation" (the stopping rules of [run]) or "<algorithm>:<criterion>" (e.g.
        "cmaes:tolx").
        """
        return str(self.attrs.get("stop_reason", ""))


def _hard(group, name, kind, path):
    """group[name], refusing anything but a hard link to a `kind` stored in this file."""
    link = group.get(name, getlink=True)
    where = f"{path}: {group.name.rstrip('/')}/{name}"
    if link is None:
        raise CheckpointError(f"{where} is missing")
    if not isinstance(link, h5py.HardLink):
        raise CheckpointError(f"{where} is a {type(link).__name__}; only hard links are read")
    obj = group[name]
    if not isinstance(obj, kind):
        raise CheckpointError(f"{where} is not a {kind.__name__}")
    if isinstance(obj, h5py.Dataset) and (obj.external or obj.is_virtual):
        raise CheckpointError(f"{where} keeps its data outside the file; refused")
    return obj


def _population(root, name, path):
    group = _hard(root, name, h5py.Group, path)
    genomes = _hard(group, "genomes", h5py.Dataset, path)[()]
    fitness = _hard(group, "fitness", h5py.Dataset, path)[()]
    dimension = int(group.attrs.get("dimension", genomes.shape[-1]))
    objectives = int(group.attrs.get("objectives", fitness.shape[-1]))
    # An empty group (in_progress at a generation boundary) may be stored as [0, 0].
    genomes = genomes.reshape(-1, dimension) if genomes.size else np.empty((0, dimension))
    fitness = fitness.reshape(-1, objectives) if fitness.size else np.empty((0, objectives))
    if genomes.shape[0] != fitness.shape[0]:
        raise CheckpointError(f"{path}: /{name}: {genomes.shape[0]} genomes but "
                              f"{fitness.shape[0]} fitness rows")
    return Population(genomes, fitness, dimension, objectives)


def _logbook_columns(root, path):
    """The columns in logbook.csv's order: the fixed ones, min_k/avg_k/max_k, hypervolume."""
    group = _hard(root, "logbook", h5py.Group, path)
    columns = {str(name): _hard(group, str(name), h5py.Dataset, path)[()]
               for name in group.attrs["columns"]}
    if "objective_stats" in group:
        stats = _hard(group, "objective_stats", h5py.Dataset, path)[()]
        for k in range(stats.shape[1] // 3):
            for j, stat in enumerate(("min", "avg", "max")):
                columns[f"{stat}_{k}"] = stats[:, 3 * k + j]
    if "hypervolume" in group:
        columns["hypervolume"] = _hard(group, "hypervolume", h5py.Dataset, path)[()]
    return columns


def _attribute(value):
    return value.item() if isinstance(value, np.generic) else value


def load_checkpoint(path, pandas=None):
    """Reads, verifies and parses one checkpoint file. `pandas`: None = a DataFrame logbook
    when pandas is installed, False = always the pandas-free Logbook. Raises CheckpointError
    (naming the file) for a damaged or foreign file, also for one on which HDF5 would hang or
    crash (h5py parses it in a child process first: evocluster.isolated)."""
    path = os.fspath(path)
    with open(path, "rb") as stream:
        data = stream.read()
    verify_image(data, path)
    try:
        refusal = check_in_child(lambda: _parse(data, path, False), len(data))
    except RuntimeError as error:
        raise CheckpointError(f"{path}: HDF5 cannot parse it safely: {error} (a damaged or "
                              "hostile file; the parse ran in a separate process)") from None
    if refusal is not None:
        raise CheckpointError(refusal if refusal.startswith(f"{path}: ") else f"{path}: {refusal}")
    return _parse(data, path, pandas)


def _parse(data, path, pandas):
    try:
        with h5py.File(io.BytesIO(data), "r") as root:
            algorithm = _hard(root, "algorithm", h5py.Group, path)
            rng = _hard(root, "rng", h5py.Group, path)
            config_text = _hard(_hard(root, "config", h5py.Group, path), "text",
                                h5py.Dataset, path).asstr()[()]
            history = None
            if "run" in root:
                history = _hard(_hard(root, "run", h5py.Group, path), "ranks_history",
                                h5py.Dataset, path)[()]
            return Checkpoint(
                path=path,
                attrs={name: _attribute(value) for name, value in root.attrs.items()},
                population=_population(root, "population", path),
                hall_of_fame=_population(root, "hall_of_fame", path),
                in_progress=_population(root, "in_progress", path),
                logbook=make_logbook(_logbook_columns(root, path), pandas),
                rng=_hard(rng, "state", h5py.Dataset, path)[()],
                rng_engine=str(rng.attrs.get("engine", "")),
                algorithm_name=str(algorithm.attrs.get("name", "")),
                algorithm={name: _hard(algorithm, name, h5py.Dataset, path)[()]
                           for name in algorithm},
                config_text=config_text,
                config=tomllib.loads(config_text),
                ranks_history=history)
    except (OSError, KeyError, ValueError, RuntimeError, tomllib.TOMLDecodeError) as error:
        raise CheckpointError(f"{path}: {error}") from error
