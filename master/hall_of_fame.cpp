#include "master/hall_of_fame.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace evo::master {

HallOfFame::HallOfFame(std::size_t capacity, std::size_t dimension, std::size_t objectives)
    : capacity_(capacity), members_(0, dimension, objectives) {}

bool HallOfFame::contains_genome(std::span<const double> genome) const {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (std::ranges::equal(members_.genome(i), genome)) return true;
  }
  return false;
}

void HallOfFame::update(const common::Population& population) {
  for (std::size_t i = 0; i < population.size(); ++i) {
    if (!population.evaluated(i)) continue;
    const double fitness = population.fitness_of(i)[0];
    const std::size_t count = members_.size();
    if (count == capacity_ && !(fitness < members_.fitness_of(count - 1)[0])) continue;
    if (contains_genome(population.genome(i))) continue;
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
}

void HallOfFame::restore(common::Population members) {
  if (members.size() > capacity_) {
    throw common::IncompatibleCheckpointError(
        "checkpoint hall of fame holds " + std::to_string(members.size()) +
        " individuals, more than run.hall_of_fame = " + std::to_string(capacity_));
  }
  members_ = std::move(members);
}

}  // namespace evo::master
