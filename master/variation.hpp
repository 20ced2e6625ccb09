// The representation half of every algorithm: how a genome is created, recombined and
// mutated, fixed once from [genome] and [algorithm]. Algorithms (simple, mu_plus_lambda,
// ...) decide who breeds; Variation decides what a child looks like, so each algorithm
// works on every genome type that Variation supports: real, binary, integer, permutation.
// The config has already checked that the operators fit the genome type
// (common/config.cpp); an unfitting pair here is a programming error.
#pragma once

#include <span>
#include <string>

#include "common/config.hpp"
#include "common/population.hpp"
#include "common/rng.hpp"
#include "master/operators.hpp"
#include "master/sequence_operators.hpp"

namespace evo::master {

class Variation {
 public:
  explicit Variation(const common::Config& config);

  // A random genome drawn uniformly from the genome's domain: real genes uniform in
  // [lower, upper), whole numbers uniform in [lower, upper], bits uniform in {0, 1}, a
  // uniformly random permutation.
  void initialize(std::span<double> genome, common::Rng& rng) const;
  // `size` members, each initialize()d in order, fitness not evaluated.
  common::Population random_population(std::size_t size, std::size_t dimension,
                                       std::size_t objectives, common::Rng& rng) const;
  // Recombines two parents in place into two children.
  void crossover(std::span<double> a, std::span<double> b, common::Rng& rng) const;
  // Mutates in place; per-gene operators change each gene with the configured per-gene
  // probability, swap and inversion make one move.
  void mutate(std::span<double> genome, common::Rng& rng) const;

  const std::string& genome_type() const { return genome_type_; }

 private:
  std::string genome_type_;
  common::AlgorithmConfig settings_;
  Bounds bounds_;
  IntBounds int_bounds_;
  double mutation_indpb_;
};

}  // namespace evo::master
