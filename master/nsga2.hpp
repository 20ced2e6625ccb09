// NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002), as DEAP's selNSGA2 + selTournamentDCD
// example and Deb's own C code (tourselect.c): N parents chosen by select_tournament_dcd;
// consecutive pairs crossed with crossover_prob; every child mutated (per-gene probability
// mutation_indpb, as Deb's NSGA-II; mutation_prob is not used); then the N survivors of
// parents + children are taken front by front, the last front cut by crowding distance.
// Each survivor keeps the rank and crowding distance it had in that selection (its
// crowding was measured against its whole front), and the next tournaments use them, so
// both are part of the saved state.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "common/config.hpp"
#include "master/algorithm.hpp"
#include "master/variation.hpp"

namespace evo::master {

// DEAP's selTournamentDCD (Deb's tourselect.c): two random permutations of the members;
// consecutive pairs of each meet in binary tournaments, four at a time (two pairs of the
// first permutation, then two of the second), so every member enters exactly two
// tournaments when `count` equals the population size and it is a multiple of 4 (DEAP and
// Deb require that; other sizes wrap around in each permutation). A tournament is won by
// the member that Pareto-dominates the other, else by the larger crowding distance, else
// by a coin flip. Draws: the first permutation (Fisher-Yates, below(k + 1) for k = n - 1
// down to 1), the second, then one bernoulli(0.5) per tie, in tournament order.
std::vector<std::size_t> select_tournament_dcd(const common::Population& population,
                                               std::span<const double> crowding, std::size_t count,
                                               common::Rng& rng);

class Nsga2 : public Algorithm {
 public:
  explicit Nsga2(const common::Config& config);

  std::string name() const override { return "nsga2"; }
  common::Population initial_population(common::Rng& rng) override;
  common::Population breed(common::Rng& rng) override;
  void accept(common::Population evaluated, common::Rng& rng) override;
  const common::Population& population() const override { return population_; }
  common::AlgorithmState save_state() const override;
  void restore_state(const common::AlgorithmState& state, common::Population population) override;

  const std::vector<std::int64_t>& ranks() const { return ranks_; }
  const std::vector<double>& crowding() const { return crowding_; }
  // Hypervolume of the population's first front with respect to algorithm.hv_reference.
  std::optional<double> hypervolume() const override;

 private:
  // Keeps `size_` of `pool` and records their ranks and crowding distances.
  void select_survivors(const common::Population& pool);

  std::size_t size_;
  std::size_t dimension_;
  std::size_t objectives_;
  double crossover_prob_;
  std::vector<double> reference_;
  Variation variation_;
  common::Population population_;  // empty until the initial population is accepted
  std::vector<std::int64_t> ranks_;
  std::vector<double> crowding_;
};

}  // namespace evo::master
