// Variation operators for binary and integer genomes (and position-wise crossover for any
// fixed-length genome), after DEAP's definitions (deap/tools/crossover.py, mutation.py).
// Every random number comes from the Rng passed in, in the order documented per operator
// in sequence_operators.cpp. Genes are doubles holding exact whole numbers.
#pragma once

#include <cstdint>
#include <span>

#include "common/rng.hpp"

namespace evo::master {

struct IntBounds {
  std::int64_t lower = 0;
  std::int64_t upper = 0;
};

// One-point crossover (cxOnePoint): the tails from a point in [1, n-1] are exchanged.
void crossover_one_point(std::span<double> a, std::span<double> b, common::Rng& rng);
// Two-point crossover (cxTwoPoint): the segment [p1, p2) is exchanged, 1 <= p1 < p2 <= n.
void crossover_two_point(std::span<double> a, std::span<double> b, common::Rng& rng);
// Uniform crossover (cxUniform): each position is exchanged with probability indpb.
void crossover_uniform(std::span<double> a, std::span<double> b, double indpb, common::Rng& rng);

// Bit-flip mutation (mutFlipBit): each gene becomes 1 - gene with probability indpb.
void mutate_flip_bit(std::span<double> genome, double indpb, common::Rng& rng);
// Uniform-reset mutation (mutUniformInt): each gene, with probability indpb, is drawn anew
// uniformly from the whole numbers in [lower, upper] (possibly its old value).
void mutate_uniform_int(std::span<double> genome, IntBounds bounds, double indpb, common::Rng& rng);
// Creep mutation: each gene, with probability indpb, moves by a step drawn uniformly from
// ±1 .. ±max_step, clamped into [lower, upper].
void mutate_creep(std::span<double> genome, IntBounds bounds, std::int64_t max_step, double indpb,
                  common::Rng& rng);

}  // namespace evo::master
