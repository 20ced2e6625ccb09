// The best distinct individuals ever evaluated. Two kinds:
//  - best-K (as DEAP's HallOfFame): the `capacity` best by objective 0 ascending; among
//    equal fitness the one seen first stays first;
//  - Pareto front (as DEAP's ParetoFront, for multi-objective algorithms): every
//    individual no other one offered so far dominates, without twins (same fitness and
//    genome); unbounded; sorted by the objectives lexicographically, first seen first.
#pragma once

#include <cstddef>

#include "common/config.hpp"
#include "common/population.hpp"

namespace evo::master {

class HallOfFame {
 public:
  enum class Kind { kBest, kParetoFront };

  HallOfFame(std::size_t capacity, std::size_t dimension, std::size_t objectives,
             Kind kind = Kind::kBest);
  // The kind the configured algorithm keeps: a Pareto front for nsga2, else best-K.
  static HallOfFame for_config(const common::Config& config);

  // Offers every evaluated member of `population`, in index order.
  void update(const common::Population& population);
  const common::Population& members() const { return members_; }
  // Replaces the members (from a checkpoint); they must be sorted already.
  void restore(common::Population members);

 private:
  bool contains_genome(std::span<const double> genome) const;
  void offer_best(const common::Population& population, std::size_t i);
  void offer_to_front(const common::Population& population, std::size_t i);

  std::size_t capacity_;
  Kind kind_;
  common::Population members_;
};

}  // namespace evo::master
