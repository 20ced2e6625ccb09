#include "master/mu_lambda.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "master/operators.hpp"

namespace evo::master {

MuLambda::MuLambda(const common::Config& config, bool plus)
    : plus_(plus),
      crossover_prob_(config.algorithm.crossover_prob),
      mutation_prob_(config.algorithm.mutation_prob),
      mu_(static_cast<std::size_t>(config.algorithm.mu > 0 ? config.algorithm.mu
                                                           : config.algorithm.population)),
      lambda_(config.algorithm.lambda > 0 ? static_cast<std::size_t>(config.algorithm.lambda)
                                          : 2 * mu_),
      dimension_(static_cast<std::size_t>(config.problem.dimension)),
      objectives_(static_cast<std::size_t>(common::objective_count(config))),
      variation_(config),
      survivor_selection_(config.algorithm.survivor_selection, config.algorithm.tournament_size) {}

common::Population MuLambda::initial_population(common::Rng& rng) {
  return variation_.random_population(mu_, dimension_, objectives_, rng);
}

common::Population MuLambda::breed(common::Rng& rng) {
  common::Population children(0, dimension_, objectives_);
  children.genes.reserve(lambda_ * dimension_);
  children.fitness.reserve(lambda_ * objectives_);
  const std::size_t count = parents_.size();
  for (std::size_t k = 0; k < lambda_; ++k) {
    const double choice = rng.uniform01();
    if (choice < crossover_prob_ && count >= 2) {
      // Two distinct parents; the first child of the pair is kept, as in DEAP's varOr.
      const std::size_t first = rng.below(count);
      std::size_t second = rng.below(count - 1);
      if (second >= first) ++second;
      common::Population pair(0, dimension_, objectives_);
      pair.push_back_from(parents_, first);
      pair.push_back_from(parents_, second);
      variation_.crossover(pair.genome(0), pair.genome(1), rng);
      pair.invalidate(0);
      children.push_back_from(pair, 0);
    } else if (choice < crossover_prob_ + mutation_prob_) {
      children.push_back_from(parents_, rng.below(count));
      variation_.mutate(children.genome(k), rng);
      children.invalidate(k);
    } else {
      children.push_back_from(parents_, rng.below(count));  // reproduction: keeps its fitness
    }
  }
  return children;
}

void MuLambda::accept(common::Population evaluated, common::Rng& rng) {
  if (parents_.size() == 0) {  // the initial population
    parents_ = std::move(evaluated);
    return;
  }
  common::Population pool(0, dimension_, objectives_);
  if (plus_) pool = parents_;
  for (std::size_t i = 0; i < evaluated.size(); ++i) pool.push_back_from(evaluated, i);
  // As DEAP's toolbox.select(pool, mu): a drawing method may pick one individual twice.
  common::Population next(0, dimension_, objectives_);
  for (std::size_t i : survivor_selection_.select(pool, mu_, rng)) next.push_back_from(pool, i);
  parents_ = std::move(next);
}

common::AlgorithmState MuLambda::save_state() const {
  // Parents and the master's RNG are all a generation needs; checkpoints store both.
  common::AlgorithmState state;
  state.name = name();
  state.integers["mu"] = {static_cast<std::int64_t>(mu_)};
  state.integers["lambda"] = {static_cast<std::int64_t>(lambda_)};
  return state;
}

void MuLambda::restore_state(const common::AlgorithmState& state, common::Population population) {
  check_state_owner(state, name());
  const auto stored = [&](const char* key) -> std::int64_t {
    const auto it = state.integers.find(key);
    return it == state.integers.end() || it->second.size() != 1 ? -1 : it->second[0];
  };
  if (stored("mu") != static_cast<std::int64_t>(mu_) ||
      stored("lambda") != static_cast<std::int64_t>(lambda_)) {
    throw common::IncompatibleCheckpointError(
        fmt::format("checkpoint was written with mu = {}, lambda = {}; config asks for {}, {}",
                    stored("mu"), stored("lambda"), mu_, lambda_));
  }
  check_population_shape(population, mu_, dimension_, objectives_);
  parents_ = std::move(population);
}

}  // namespace evo::master
