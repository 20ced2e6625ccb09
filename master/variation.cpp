#include "master/variation.hpp"

namespace evo::master {

Variation::Variation(const common::Config& config)
    : settings_(config.algorithm),
      bounds_{config.genome.lower, config.genome.upper},
      mutation_indpb_(config.algorithm.mutation_indpb > 0
                          ? config.algorithm.mutation_indpb
                          : 1.0 / static_cast<double>(config.problem.dimension)) {}

void Variation::initialize(std::span<double> genome, common::Rng& rng) const {
  for (double& gene : genome) gene = rng.uniform(bounds_.lower, bounds_.upper);
}

void Variation::crossover(std::span<double> a, std::span<double> b, common::Rng& rng) const {
  if (settings_.crossover == "blend") {
    crossover_blend(a, b, settings_.blend_alpha, bounds_, rng);
  } else {
    crossover_sbx(a, b, settings_.crossover_eta, bounds_, rng);
  }
}

void Variation::mutate(std::span<double> genome, common::Rng& rng) const {
  if (settings_.mutation == "gaussian") {
    const double sigma = settings_.mutation_sigma * (bounds_.upper - bounds_.lower);
    mutate_gaussian(genome, sigma, mutation_indpb_, bounds_, rng);
  } else {
    mutate_polynomial(genome, settings_.mutation_eta, mutation_indpb_, bounds_, rng);
  }
}

}  // namespace evo::master
