// Variation and selection operators on real-valued genomes. Every random decision comes
// from the Rng passed in, so the same state gives the same result on every machine.
// Objective 0 is minimised; ties are broken by the lower index.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "common/population.hpp"
#include "common/rng.hpp"

namespace evo::master {

struct Bounds {
  double lower = 0;
  double upper = 0;
};

// `count` indices, each the best of `tournament_size` drawn uniformly with replacement.
std::vector<std::size_t> select_tournament(const common::Population& population, std::size_t count,
                                           int tournament_size, common::Rng& rng);

// The `count` best individuals (objective 0 ascending, ties by index).
std::vector<std::size_t> best_indices(const common::Population& population, std::size_t count);

// Simulated binary crossover, bounded (Deb & Agrawal; as DEAP's cxSimulatedBinaryBounded).
void crossover_sbx(std::span<double> a, std::span<double> b, double eta, Bounds bounds,
                   common::Rng& rng);
// BLX-alpha, children clipped to the bounds.
void crossover_blend(std::span<double> a, std::span<double> b, double alpha, Bounds bounds,
                     common::Rng& rng);
// Bounded polynomial mutation (as DEAP's mutPolynomialBounded), per-gene probability indpb.
void mutate_polynomial(std::span<double> genome, double eta, double indpb, Bounds bounds,
                       common::Rng& rng);
// Gaussian mutation with absolute sigma, per-gene probability indpb, clipped to the bounds.
void mutate_gaussian(std::span<double> genome, double sigma, double indpb, Bounds bounds,
                     common::Rng& rng);

}  // namespace evo::master
