"""Python twins of worker/builtin_problems.cpp's sphere and rastrigin, computing exactly what
the C++ computes in the same operation order, so that results are bit-identical (used by
tests/e2e/python_test.sh). numpy's vectorised cos may differ from the C library's in the
last bit (it has its own SIMD code), so rastrigin calls math.cos, which is the C library's.
"""
import math

import numpy as np

_cos = np.frompyfunc(math.cos, 1, 1)


def sphere(genome):
    total = 0.0
    for x in genome.tolist():
        total += x * x
    return total


def rastrigin(genome):
    values = genome.tolist()
    total = 10.0 * len(values)
    for x in values:
        total += x * x - 10.0 * math.cos(2.0 * math.pi * x)
    return (total,)  # a DEAP-style tuple


def sphere_batch(genomes, seeds):
    total = np.zeros(genomes.shape[0])
    for j in range(genomes.shape[1]):
        total += genomes[:, j] * genomes[:, j]
    return total


def rastrigin_batch(genomes, seeds):
    total = np.full(genomes.shape[0], 10.0 * genomes.shape[1])
    for j in range(genomes.shape[1]):
        x = genomes[:, j]
        total += x * x - 10.0 * _cos(2.0 * math.pi * x).astype(np.float64)
    return total.reshape(-1, 1)


def noisy(genome, seed):
    """Sphere plus noise drawn from the evaluation's own seed: the same on any rank."""
    return sphere(genome) + np.random.default_rng(seed).normal(0.0, 0.1)


def noisy_batch(genomes, seeds):
    noise = np.array([np.random.default_rng(int(s)).normal(0.0, 0.1) for s in seeds])
    return sphere_batch(genomes, seeds) + noise
