// Pareto dominance for minimised objectives, Deb's fast non-dominated sort and the
// crowding distance of NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002). Pure functions:
// ties are broken by index, so the results depend on nothing but their input.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "common/population.hpp"

namespace evo::master {

// a is no worse than b in every objective and better in at least one.
bool dominates(std::span<const double> a, std::span<const double> b);

// Indices of `population` in fronts: front 0 is non-dominated, front 1 is non-dominated
// once front 0 is removed, ... Within a front, indices ascend.
std::vector<std::vector<std::size_t>> non_dominated_fronts(const common::Population& population);

// Crowding distance of each member of `front` (same order): infinite at each objective's
// extremes, otherwise the sum over objectives of the normalised gap between neighbours.
std::vector<double> crowding_distances(const common::Population& population,
                                       std::span<const std::size_t> front);

}  // namespace evo::master
