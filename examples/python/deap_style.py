"""A DEAP-style fitness module for evocluster's in-process Python evaluator
(examples/python.toml). The function is the one a DEAP user registers with
toolbox.register("evaluate", ...): it takes one individual (here a read-only numpy array of
genes) and returns a tuple of objective values. evocluster minimises every objective.

    mpirun -np 4 build/evocluster run examples/python.toml
    mpirun -np 4 build/evocluster run examples/python.toml --set python.batch=true \
        --set python.function=evaluate_population
"""
import math

import numpy as np

SHIFT = 0.0


def setup(config):
    """Called once per rank before any evaluation, with python.config (a string)."""
    global SHIFT
    SHIFT = float(config or 0.0)


def evaluate(individual):
    """Rastrigin around SHIFT, one individual at a time, DEAP's way."""
    x = individual - SHIFT
    return (10.0 * len(x) + float(np.sum(x * x - 10.0 * np.cos(2.0 * math.pi * x))),)


def evaluate_population(genomes, seeds):
    """The same for a whole batch at once: genomes is (n, dimension), seeds (n,) uint64
    (one per evaluation; use np.random.default_rng(seed) for noise that does not depend on
    the rank). Returns (n, objectives)."""
    x = genomes - SHIFT
    values = 10.0 * x.shape[1] + np.sum(x * x - 10.0 * np.cos(2.0 * math.pi * x), axis=1)
    return values.reshape(-1, 1)
