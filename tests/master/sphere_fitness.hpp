// Test fitness for the algorithm unit tests: sphere, computed in-process for the members a
// breeding step left unevaluated (NaN), as the dispatcher would.
#pragma once

#include <cstddef>

#include "common/population.hpp"

namespace evo::master {

inline void evaluate_sphere(common::Population& population) {
  for (std::size_t i = 0; i < population.size(); ++i) {
    if (population.evaluated(i)) continue;
    double sum = 0;
    for (double gene : population.genome(i)) sum += gene * gene;
    population.fitness_of(i)[0] = sum;
  }
}

}  // namespace evo::master
