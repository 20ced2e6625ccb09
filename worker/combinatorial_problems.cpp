// onemax, knapsack and the shipped TSP instance. Their instances are built once per
// worker, when the evaluator is made; evaluations are then pure functions of the genome.
#include "worker/combinatorial_problems.hpp"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "common/error.hpp"
#include "worker/builtin_problems.hpp"
#include "worker/tsp.hpp"

namespace evo::worker {
namespace {

// SplitMix64, as published (Vigna's reference code): a few lines anyone can re-implement
// to regenerate the instance (docs/problems.md shows it in Python).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
  }

 private:
  std::uint64_t state_;
};

std::string bits_problem(std::span<const double> genome) {
  for (std::size_t i = 0; i < genome.size(); ++i) {
    if (genome[i] != 0 && genome[i] != 1)
      return fmt::format("gene {} is {}, not a bit", i, genome[i]);
  }
  return {};
}

}  // namespace

double onemax(std::span<const double> bits) {
  double ones = 0;
  for (double bit : bits) ones += bit;
  return -ones;
}

KnapsackInstance KnapsackInstance::generate(std::uint64_t seed, std::size_t items) {
  KnapsackInstance instance;
  SplitMix64 random(seed);
  std::int64_t total_weight = 0;
  for (std::size_t i = 0; i < items; ++i) {
    instance.weights.push_back(1 + static_cast<std::int64_t>(random.next() % 100));
    instance.values.push_back(1 + static_cast<std::int64_t>(random.next() % 100));
    total_weight += instance.weights.back();
  }
  instance.capacity = total_weight / 2;
  return instance;
}

double KnapsackInstance::fitness(std::span<const double> bits) const {
  std::int64_t weight = 0;
  std::int64_t value = 0;
  for (std::size_t i = 0; i < bits.size() && i < weights.size(); ++i) {
    if (bits[i] == 1) {
      weight += weights[i];
      value += values[i];
    }
  }
  if (weight > capacity) return static_cast<double>(weight - capacity);
  return -static_cast<double>(value);
}

std::unique_ptr<common::Evaluator> make_combinatorial_evaluator(
    const common::ProblemConfig& problem) {
  const std::string& name = problem.name;
  if (name == "onemax") return make_objective_evaluator(name, onemax, problem, 0, bits_problem);
  if (name == "knapsack") {
    auto instance = std::make_shared<const KnapsackInstance>(KnapsackInstance::generate(
        problem.instance_seed, static_cast<std::size_t>(problem.dimension)));
    return make_objective_evaluator(
        name, [instance](std::span<const double> bits) { return instance->fitness(bits); }, problem,
        0, bits_problem);
  }
  if (name == "tsp_berlin52") {
    auto instance = std::make_shared<const TspInstance>(
        TspInstance::parse(shipped_tsplib("berlin52"), "data/tsp/berlin52.tsp"));
    return make_objective_evaluator(
        name,
        [instance](std::span<const double> tour) {
          return static_cast<double>(instance->tour_length(tour));
        },
        problem, 0, permutation_problem);
  }
  return nullptr;
}

}  // namespace evo::worker
