// The built-in combinatorial problems: onemax and knapsack on binary genomes, TSP on
// permutation genomes (docs/problems.md has each definition and known optimum).
// Maximisation problems are negated, so that every problem is minimised.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/config.hpp"
#include "common/evaluator.hpp"

namespace evo::worker {

// -(number of ones); minimum -n at all ones.
double onemax(std::span<const double> bits);

// A 0/1 knapsack instance, generated deterministically from (seed, items) by SplitMix64
// (Steele, Lea & Flood 2014): for each item in turn, weight = 1 + next() % 100, then
// value = 1 + next() % 100; capacity = (sum of weights) / 2, rounded down.
struct KnapsackInstance {
  std::vector<std::int64_t> weights;
  std::vector<std::int64_t> values;
  std::int64_t capacity = 0;

  static KnapsackInstance generate(std::uint64_t seed, std::size_t items);
  // -(value packed) when the packed weight is within the capacity (<= 0); otherwise the
  // excess weight (> 0): every overweight packing is worse than every feasible one, and
  // less overweight is better.
  double fitness(std::span<const double> bits) const;
};

// onemax, knapsack or tsp_berlin52 as an Evaluator (see make_objective_evaluator); a gene
// that is not a bit, or a tour that is not a permutation, fails the evaluation. nullptr for
// any other name.
std::unique_ptr<common::Evaluator> make_combinatorial_evaluator(
    const common::ProblemConfig& problem);

}  // namespace evo::worker
