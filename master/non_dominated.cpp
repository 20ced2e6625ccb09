#include "master/non_dominated.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

namespace evo::master {

bool dominates(std::span<const double> a, std::span<const double> b) {
  bool better_somewhere = false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (b[k] < a[k]) return false;
    if (a[k] < b[k]) better_somewhere = true;
  }
  return better_somewhere;
}

std::vector<std::vector<std::size_t>> non_dominated_fronts(const common::Population& population) {
  const std::size_t n = population.size();
  std::vector<std::vector<std::size_t>> dominated_by(n);  // S_p: whom p dominates
  std::vector<std::size_t> domination_count(n, 0);        // n_p: how many dominate p
  std::vector<std::vector<std::size_t>> fronts(1);
  for (std::size_t p = 0; p < n; ++p) {
    for (std::size_t q = p + 1; q < n; ++q) {
      if (dominates(population.fitness_of(p), population.fitness_of(q))) {
        dominated_by[p].push_back(q);
        ++domination_count[q];
      } else if (dominates(population.fitness_of(q), population.fitness_of(p))) {
        dominated_by[q].push_back(p);
        ++domination_count[p];
      }
    }
  }
  for (std::size_t p = 0; p < n; ++p) {
    if (domination_count[p] == 0) fronts[0].push_back(p);
  }
  while (!fronts.back().empty()) {
    std::vector<std::size_t> next;
    for (std::size_t p : fronts.back()) {
      for (std::size_t q : dominated_by[p]) {
        if (--domination_count[q] == 0) next.push_back(q);
      }
    }
    std::sort(next.begin(), next.end());
    fronts.push_back(std::move(next));
  }
  fronts.pop_back();  // the empty one that ended the loop
  return fronts;
}

std::vector<double> crowding_distances(const common::Population& population,
                                       std::span<const std::size_t> front) {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  const std::size_t size = front.size();
  std::vector<double> distance(size, 0.0);
  if (size <= 2) {
    std::fill(distance.begin(), distance.end(), kInfinity);
    return distance;
  }
  std::vector<std::size_t> order(size);
  for (std::size_t m = 0; m < population.objectives; ++m) {
    const auto value = [&](std::size_t k) { return population.fitness_of(front[k])[m]; };
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return value(a) < value(b); });
    distance[order.front()] = kInfinity;
    distance[order.back()] = kInfinity;
    const double range = value(order.back()) - value(order.front());
    if (!(range > 0)) continue;  // every member equal in this objective: no information
    for (std::size_t k = 1; k + 1 < size; ++k) {
      distance[order[k]] += (value(order[k + 1]) - value(order[k - 1])) / range;
    }
  }
  return distance;
}

}  // namespace evo::master
