#include "master/simple_ga.hpp"

#include <fmt/format.h>

#include "common/error.hpp"

namespace evo::master {

SimpleGa::SimpleGa(const common::Config& config)
    : settings_(config.algorithm),
      dimension_(static_cast<std::size_t>(config.problem.dimension)),
      objectives_(static_cast<std::size_t>(common::objective_count(config))),
      variation_(config),
      selection_(config.algorithm) {}

common::Population SimpleGa::initial_population(common::Rng& rng) {
  return variation_.random_population(static_cast<std::size_t>(settings_.population), dimension_,
                                      objectives_, rng);
}

common::Population SimpleGa::breed(common::Rng& rng) {
  const std::size_t size = population_.size();
  const std::size_t elites = static_cast<std::size_t>(settings_.elitism);
  common::Population next(0, dimension_, objectives_);
  next.genes.reserve(size * dimension_);
  next.fitness.reserve(size * objectives_);
  // Elites first: they keep their fitness and are never evaluated again.
  for (std::size_t i : best_indices(population_, elites)) next.push_back_from(population_, i);
  for (std::size_t i : selection_.select(population_, size - elites, rng)) {
    next.push_back_from(population_, i);
  }
  for (std::size_t i = elites + 1; i < size; i += 2) {
    if (rng.bernoulli(settings_.crossover_prob)) {
      variation_.crossover(next.genome(i - 1), next.genome(i), rng);
      next.invalidate(i - 1);
      next.invalidate(i);
    }
  }
  for (std::size_t i = elites; i < size; ++i) {
    if (rng.bernoulli(settings_.mutation_prob)) {
      variation_.mutate(next.genome(i), rng);
      next.invalidate(i);
    }
  }
  return next;
}

void SimpleGa::accept(common::Population evaluated, common::Rng& /*rng*/) {
  population_ = std::move(evaluated);
}

common::AlgorithmState SimpleGa::save_state() const {
  // Everything else a generation needs is the population and the master's RNG, which
  // checkpoints store on their own.
  common::AlgorithmState state;
  state.name = name();
  state.integers["population_size"] = {static_cast<std::int64_t>(population_.size())};
  return state;
}

void SimpleGa::restore_state(const common::AlgorithmState& state, common::Population population) {
  check_state_owner(state, name());
  check_population_shape(population, static_cast<std::size_t>(settings_.population), dimension_,
                         objectives_);
  population_ = std::move(population);
}

}  // namespace evo::master
