// Variation operators for permutation genomes (each of 0 .. n-1 exactly once, stored as
// doubles), after DEAP's definitions (deap/tools/crossover.py, mutation.py). Children of
// permutations are permutations. Every random number comes from the Rng passed in, in the
// order documented per operator in permutation_operators.cpp. A genome that is not a
// permutation is a programming error: the operators throw common::Error.
#pragma once

#include <span>

#include "common/rng.hpp"

namespace evo::master {

// A uniformly random permutation of 0 .. n-1 (Fisher-Yates).
void initialize_permutation(std::span<double> genome, common::Rng& rng);

// Ordered crossover OX (cxOrdered, Goldberg 1989): each child keeps the other parent's
// segment [a, b] and fills the rest with its own parent's elements in their order,
// starting after b.
void crossover_ordered(std::span<double> a, std::span<double> b, common::Rng& rng);
// Partially matched crossover PMX (cxPartialyMatched, Goldberg & Lingle 1985).
void crossover_pmx(std::span<double> a, std::span<double> b, common::Rng& rng);

// Two distinct positions exchange their elements.
void mutate_swap(std::span<double> genome, common::Rng& rng);
// The slice between two random positions is reversed (mutInversion).
void mutate_inversion(std::span<double> genome, common::Rng& rng);
// Each position, with probability indpb, exchanges its element with another position
// (mutShuffleIndexes).
void mutate_shuffle_indexes(std::span<double> genome, double indpb, common::Rng& rng);

}  // namespace evo::master
