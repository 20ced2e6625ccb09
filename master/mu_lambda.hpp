// (mu + lambda) and (mu, lambda) as DEAP's eaMuPlusLambda / eaMuCommaLambda: lambda
// children by varOr (each child comes from crossover of two distinct random parents with
// crossover_prob, else from mutation of one random parent with mutation_prob, else is a
// copy of one), then the next mu parents are selected from parents + children (plus) or
// from the children alone (comma) by algorithm.survivor_selection: by default the best
// (truncation, as evolution strategies select), or any selection method, as DEAP's
// toolbox.select. Copies keep their fitness and are not evaluated again.
#pragma once

#include "common/config.hpp"
#include "master/algorithm.hpp"
#include "master/selection.hpp"
#include "master/variation.hpp"

namespace evo::master {

class MuLambda : public Algorithm {
 public:
  // `plus`: parents compete with their children (mu_plus_lambda), else not (mu_comma_lambda).
  MuLambda(const common::Config& config, bool plus);

  std::string name() const override { return plus_ ? "mu_plus_lambda" : "mu_comma_lambda"; }
  common::Population initial_population(common::Rng& rng) override;
  common::Population breed(common::Rng& rng) override;
  void accept(common::Population evaluated, common::Rng& rng) override;
  const common::Population& population() const override { return parents_; }
  common::AlgorithmState save_state() const override;
  void restore_state(const common::AlgorithmState& state, common::Population population) override;

  std::size_t mu() const { return mu_; }
  std::size_t lambda() const { return lambda_; }

 private:
  bool plus_;
  double crossover_prob_;
  double mutation_prob_;
  std::size_t mu_;
  std::size_t lambda_;
  std::size_t dimension_;
  std::size_t objectives_;
  Variation variation_;
  Selection survivor_selection_;
  common::Population parents_;  // empty until the initial population is accepted
};

}  // namespace evo::master
