// The representation half of every algorithm: how a genome is created, recombined and
// mutated, fixed once from [genome] and [algorithm]. Algorithms (simple, mu_plus_lambda,
// ...) decide who breeds; Variation decides what a child looks like, so each algorithm
// works on every genome type that Variation supports.
#pragma once

#include <span>

#include "common/config.hpp"
#include "common/rng.hpp"
#include "master/operators.hpp"

namespace evo::master {

class Variation {
 public:
  explicit Variation(const common::Config& config);

  // A random genome drawn uniformly from the genome's domain.
  void initialize(std::span<double> genome, common::Rng& rng) const;
  // Recombines two parents in place into two children.
  void crossover(std::span<double> a, std::span<double> b, common::Rng& rng) const;
  // Mutates in place; each gene changes with the configured per-gene probability.
  void mutate(std::span<double> genome, common::Rng& rng) const;

 private:
  common::AlgorithmConfig settings_;
  Bounds bounds_;
  double mutation_indpb_;
};

}  // namespace evo::master
