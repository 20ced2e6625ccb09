// Variation operators on real-valued genomes. Every random decision comes from the Rng
// passed in, so the same state gives the same result on every machine.
#pragma once

#include <span>

#include "common/rng.hpp"
// Selection (select_tournament, best_indices) used to live here; algorithms that include
// this header for it keep working.
#include "master/selection.hpp"

namespace evo::master {

struct Bounds {
  double lower = 0;
  double upper = 0;
};

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
