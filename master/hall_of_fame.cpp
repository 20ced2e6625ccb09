#include "master/hall_of_fame.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/algorithm_catalog.hpp"
#include "common/error.hpp"
#include "master/non_dominated.hpp"

namespace evo::master {

HallOfFame::HallOfFame(std::size_t capacity, std::size_t dimension, std::size_t objectives,
                       Kind kind)
    : capacity_(capacity), kind_(kind), members_(0, dimension, objectives) {}

HallOfFame HallOfFame::for_config(const common::Config& config) {
  return HallOfFame(static_cast<std::size_t>(config.run.hall_of_fame),
                    static_cast<std::size_t>(config.problem.dimension),
                    static_cast<std::size_t>(common::objective_count(config)),
                    common::algorithm_info(config.algorithm.name).multi_objective
                        ? Kind::kParetoFront
                        : Kind::kBest);
}

bool HallOfFame::contains_genome(std::span<const double> genome) const {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (std::ranges::equal(members_.genome(i), genome)) return true;
  }
  return false;
}

void HallOfFame::update(const common::Population& population) {
  for (std::size_t i = 0; i < population.size(); ++i) {
    if (!population.evaluated(i)) continue;
    if (kind_ == Kind::kBest) {
      offer_best(population, i);
    } else {
      offer_to_front(population, i);
    }
  }
}

void HallOfFame::offer_best(const common::Population& population, std::size_t i) {
  const double fitness = population.fitness_of(i)[0];
  const std::size_t count = members_.size();
  if (count == capacity_ && !(fitness < members_.fitness_of(count - 1)[0])) return;
  if (contains_genome(population.genome(i))) return;
  // Insert after every member that is at least as good (first seen stays first).
  std::size_t position = count;
  while (position > 0 && fitness < members_.fitness_of(position - 1)[0]) --position;
  common::Population merged(0, members_.dimension, members_.objectives);
  for (std::size_t k = 0; k < position; ++k) merged.push_back_from(members_, k);
  merged.push_back_from(population, i);
  for (std::size_t k = position; k < count && merged.size() < capacity_; ++k) {
    merged.push_back_from(members_, k);
  }
  members_ = std::move(merged);
}

void HallOfFame::offer_to_front(const common::Population& population, std::size_t i) {
  const auto fitness = population.fitness_of(i);
  for (std::size_t k = 0; k < members_.size(); ++k) {
    const auto member = members_.fitness_of(k);
    if (dominates(member, fitness)) return;
    if (std::ranges::equal(member, fitness) &&
        std::ranges::equal(members_.genome(k), population.genome(i))) {
      return;  // a twin
    }
  }
  common::Population merged(0, members_.dimension, members_.objectives);
  bool inserted = false;
  for (std::size_t k = 0; k < members_.size(); ++k) {
    const auto member = members_.fitness_of(k);
    if (dominates(fitness, member)) continue;  // no longer on the front
    if (!inserted && std::ranges::lexicographical_compare(fitness, member)) {
      merged.push_back_from(population, i);
      inserted = true;
    }
    merged.push_back_from(members_, k);
  }
  if (!inserted) merged.push_back_from(population, i);
  members_ = std::move(merged);
}

void HallOfFame::restore(common::Population members) {
  if (members.size() > 0 &&
      (members.dimension != members_.dimension || members.objectives != members_.objectives)) {
    throw common::IncompatibleCheckpointError(fmt::format(
        "checkpoint hall of fame holds genomes of {} genes and {} objectives, the config "
        "expects {} and {}",
        members.dimension, members.objectives, members_.dimension, members_.objectives));
  }
  if (kind_ == Kind::kBest && members.size() > capacity_) {
    throw common::IncompatibleCheckpointError(
        "checkpoint hall of fame holds " + std::to_string(members.size()) +
        " individuals, more than run.hall_of_fame = " + std::to_string(capacity_));
  }
  members_ = std::move(members);
}

}  // namespace evo::master
