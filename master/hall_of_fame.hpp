// The best distinct individuals ever evaluated (as DEAP's HallOfFame): sorted by
// objective 0 ascending; among equal fitness the one seen first stays first.
#pragma once

#include <cstddef>

#include "common/population.hpp"

namespace evo::master {

class HallOfFame {
 public:
  HallOfFame(std::size_t capacity, std::size_t dimension, std::size_t objectives);

  // Offers every evaluated member of `population`, in index order.
  void update(const common::Population& population);
  const common::Population& members() const { return members_; }
  // Replaces the members (from a checkpoint); they must be sorted already.
  void restore(common::Population members);

 private:
  bool contains_genome(std::span<const double> genome) const;

  std::size_t capacity_;
  common::Population members_;
};

}  // namespace evo::master
