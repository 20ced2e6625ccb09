// Differential evolution (Storn & Price 1997), DE/rand/1/bin and DE/best/1/bin, for real
// genomes. Each generation every target x_i gets one trial vector: the mutant
// v = base + F (x_r1 - x_r2) (base = x_r0 for rand/1, the best member for best/1; r0, r1,
// r2 distinct and != i), crossed binomially with x_i (each gene from v with probability
// CR, one random gene always from v). A trial replaces its target when it is at least as
// good. Genes of the mutant outside [lower, upper] are redrawn uniformly within them (as
// pagmo2's de does), so every trial lies in the domain.
#pragma once

#include "common/config.hpp"
#include "master/algorithm.hpp"
#include "master/operators.hpp"

namespace evo::master {

class DifferentialEvolution : public Algorithm {
 public:
  explicit DifferentialEvolution(const common::Config& config);

  std::string name() const override { return "de"; }
  common::Population initial_population(common::Rng& rng) override;
  // Trial vectors, trial i for target i.
  common::Population breed(common::Rng& rng) override;
  void accept(common::Population evaluated, common::Rng& rng) override;
  const common::Population& population() const override { return population_; }
  common::AlgorithmState save_state() const override;
  void restore_state(const common::AlgorithmState& state, common::Population population) override;

 private:
  std::size_t size_;
  std::size_t dimension_;
  std::size_t objectives_;
  Bounds bounds_;
  bool best_base_;  // best/1/bin, else rand/1/bin
  double f_;
  double cr_;
  common::Population population_;  // empty until the initial population is accepted
};

}  // namespace evo::master
