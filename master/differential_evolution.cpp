#include "master/differential_evolution.hpp"

#include <fmt/format.h>

#include <array>

#include "common/error.hpp"

namespace evo::master {

DifferentialEvolution::DifferentialEvolution(const common::Config& config)
    : size_(static_cast<std::size_t>(config.algorithm.population)),
      dimension_(static_cast<std::size_t>(config.problem.dimension)),
      objectives_(static_cast<std::size_t>(common::objective_count(config))),
      bounds_{config.genome.lower, config.genome.upper},
      best_base_(config.algorithm.de_variant == "best/1/bin"),
      f_(config.algorithm.de_f),
      cr_(config.algorithm.de_cr) {}

common::Population DifferentialEvolution::initial_population(common::Rng& rng) {
  common::Population initial(size_, dimension_, objectives_);
  for (double& gene : initial.genes) gene = rng.uniform(bounds_.lower, bounds_.upper);
  return initial;
}

common::Population DifferentialEvolution::breed(common::Rng& rng) {
  const std::size_t n = population_.size();
  const std::size_t best = best_indices(population_, 1).front();
  common::Population trials(n, dimension_, objectives_);
  for (std::size_t i = 0; i < n; ++i) {
    // Distinct indices, all != i, drawn by rejection (n >= 4 is validated).
    std::array<std::size_t, 3> r{};
    const std::size_t needed = best_base_ ? 2 : 3;
    for (std::size_t k = 0; k < needed; ++k) {
      bool fresh = false;
      while (!fresh) {
        r[k] = rng.below(n);
        fresh = r[k] != i;
        for (std::size_t j = 0; j < k; ++j) fresh = fresh && r[k] != r[j];
      }
    }
    const auto base = population_.genome(best_base_ ? best : r[2]);
    const auto a = population_.genome(r[0]);
    const auto b = population_.genome(r[1]);
    const auto target = population_.genome(i);
    auto trial = trials.genome(i);
    const std::size_t always = rng.below(dimension_);
    for (std::size_t j = 0; j < dimension_; ++j) {
      if (j == always || rng.uniform01() < cr_) {
        double gene = base[j] + f_ * (a[j] - b[j]);
        if (gene < bounds_.lower || gene > bounds_.upper) {
          gene = rng.uniform(bounds_.lower, bounds_.upper);
        }
        trial[j] = gene;
      } else {
        trial[j] = target[j];
      }
    }
  }
  return trials;
}

void DifferentialEvolution::accept(common::Population evaluated, common::Rng& /*rng*/) {
  if (population_.size() == 0) {  // the initial population
    population_ = std::move(evaluated);
    return;
  }
  for (std::size_t i = 0; i < population_.size(); ++i) {
    // "At least as good" lets the population drift across plateaus (Storn & Price).
    if (evaluated.fitness_of(i)[0] <= population_.fitness_of(i)[0]) {
      std::ranges::copy(evaluated.genome(i), population_.genome(i).begin());
      std::ranges::copy(evaluated.fitness_of(i), population_.fitness_of(i).begin());
    }
  }
}

common::AlgorithmState DifferentialEvolution::save_state() const {
  // The population and the master's RNG are the whole state; checkpoints store both.
  common::AlgorithmState state;
  state.name = name();
  state.integers["population_size"] = {static_cast<std::int64_t>(population_.size())};
  return state;
}

void DifferentialEvolution::restore_state(const common::AlgorithmState& state,
                                          common::Population population) {
  check_state_owner(state, name());
  check_population_shape(population, size_, dimension_, objectives_);
  population_ = std::move(population);
}

}  // namespace evo::master
