// The generational GA of DEAP's eaSimple: selection (algorithm.selection), then varAnd (crossover
// of consecutive pairs with crossover_prob, mutation of each child with mutation_prob); only
// changed children are re-evaluated. Optional elitism keeps the best `elitism` parents.
#pragma once

#include "common/config.hpp"
#include "master/algorithm.hpp"
#include "master/operators.hpp"
#include "master/selection.hpp"
#include "master/variation.hpp"

namespace evo::master {

class SimpleGa : public Algorithm {
 public:
  explicit SimpleGa(const common::Config& config);

  std::string name() const override { return "simple"; }
  common::Population initial_population(common::Rng& rng) override;
  common::Population breed(common::Rng& rng) override;
  void accept(common::Population evaluated, common::Rng& rng) override;
  const common::Population& population() const override { return population_; }
  common::AlgorithmState save_state() const override;
  void restore_state(const common::AlgorithmState& state, common::Population population) override;

 private:
  common::AlgorithmConfig settings_;
  std::size_t dimension_;
  std::size_t objectives_;
  Variation variation_;
  Selection selection_;
  common::Population population_;
};

}  // namespace evo::master
