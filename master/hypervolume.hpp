// The hypervolume indicator: the volume of objective space (minimised objectives) that a
// set of points dominates, bounded by a reference point. Exact in any number of
// objectives: a sweep for two, and for more the slicing of HSO (While, Hingston, Barone
// & Huband 2006, "A faster algorithm for calculating hypervolume"), which cuts the space
// into slabs along the last objective and sums slab depth times the hypervolume of the
// points above it in one objective fewer.
#pragma once

#include <span>
#include <vector>

namespace evo::master {

// The customary reference point coordinate for problems whose fronts lie in [0, 1]^m (ZDT,
// DTLZ2): nsga2's algorithm.hv_reference when that is empty.
inline constexpr double kDefaultHvReference = 1.1;

// Points must all have reference.size() coordinates. Points that do not strictly beat the
// reference point in every objective add nothing; dominated and duplicate points are
// allowed and do not change the result.
double hypervolume(std::vector<std::vector<double>> points, std::span<const double> reference);

}  // namespace evo::master
