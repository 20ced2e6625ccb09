// NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002), as DEAP's selNSGA2 + selTournamentDCD
// example: N parents chosen by binary tournaments on (front rank, crowding distance);
// consecutive pairs crossed with crossover_prob; every child mutated (per-gene probability
// mutation_indpb, as Deb's NSGA-II; mutation_prob is not used); then the N survivors of
// parents + children are taken front by front, the last front cut by crowding distance.
// Each survivor keeps the rank and crowding distance it had in that selection (its
// crowding was measured against its whole front), and the next tournaments use them, so
// both are part of the saved state.
#pragma once

#include <optional>
#include <vector>

#include "common/config.hpp"
#include "master/algorithm.hpp"
#include "master/variation.hpp"

namespace evo::master {

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
  // Index of the tournament winner between members a and b.
  std::size_t crowded_tournament(std::size_t a, std::size_t b, common::Rng& rng) const;

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
