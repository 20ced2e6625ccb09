// Who breeds: the selection methods of algorithm.selection, after DEAP's definitions
// (deap/tools/selection.py), with every random number taken from our Rng in the order
// documented per function. Objective 0 is minimised; NaN (not evaluated) is worst; ties
// go to the lower index. Each function returns `count` indices into the population.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "common/population.hpp"
#include "common/rng.hpp"

namespace evo::master {

// Each pick is the best of `tournament_size` drawn uniformly with replacement.
std::vector<std::size_t> select_tournament(const common::Population& population, std::size_t count,
                                           int tournament_size, common::Rng& rng);

// Fitness-proportional selection, one spin per pick. Minimisation by windowing (see
// selection_weights): the better an individual, the larger its share.
std::vector<std::size_t> select_roulette(const common::Population& population, std::size_t count,
                                         common::Rng& rng);

// Stochastic universal sampling (Baker 1987): one spin, `count` equally spaced pointers,
// so each individual is picked floor or ceil of count * (its share) times.
std::vector<std::size_t> select_sus(const common::Population& population, std::size_t count,
                                    common::Rng& rng);

// The individuals in ranking order (best first), starting over at the best when `count`
// exceeds the population size. Draws nothing.
std::vector<std::size_t> select_best(const common::Population& population, std::size_t count);

// Uniformly with replacement.
std::vector<std::size_t> select_random(const common::Population& population, std::size_t count,
                                       common::Rng& rng);

// The min(count, size) best individuals, best first (elitism).
std::vector<std::size_t> best_indices(const common::Population& population, std::size_t count);

// Roulette and SUS shares for minimisation, by windowing: w_i = (f_worst - f_i) / scale,
// f_worst the largest finite objective-0 value of the population and scale the largest
// |f| (so that 1e300 - -1e300 cannot overflow). The worst individual gets 0, negative
// fitness needs no special case, and adding a constant to every fitness changes nothing.
// NaN or infinite fitness gets 0. When every share is 0 (all equal), every share is 1.
std::vector<double> selection_weights(const common::Population& population);

// A selection method fixed once from the config (algorithm.selection, or
// algorithm.survivor_selection with the same names).
class Selection {
 public:
  explicit Selection(const common::AlgorithmConfig& settings);
  // `method`: one of algorithm.selection's names.
  Selection(std::string method, int tournament_size);
  std::vector<std::size_t> select(const common::Population& population, std::size_t count,
                                  common::Rng& rng) const;

 private:
  std::string method_;
  int tournament_size_;
};

}  // namespace evo::master
