#include "master/operators.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace evo::master {
namespace {

using common::Population;
using common::Rng;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr Bounds kBounds{-5.12, 5.12};

Population with_fitness(const std::vector<double>& fitness) {
  Population population(fitness.size(), 1, 1);
  for (std::size_t i = 0; i < fitness.size(); ++i) {
    population.genome(i)[0] = static_cast<double>(i);
    population.fitness_of(i)[0] = fitness[i];
  }
  return population;
}

// A genome with genes at both bounds, near them, at zero and in between.
std::vector<double> edge_genome(Rng& rng, std::size_t size) {
  std::vector<double> genes = {kBounds.lower,
                               kBounds.upper,
                               std::nextafter(kBounds.lower, 0.0),
                               std::nextafter(kBounds.upper, 0.0),
                               0.0,
                               kBounds.lower,
                               kBounds.upper};
  while (genes.size() < size) genes.push_back(rng.uniform(kBounds.lower, kBounds.upper));
  genes.resize(size);
  return genes;
}

void expect_in_bounds(const std::vector<double>& genes, Bounds bounds, const std::string& what) {
  for (double gene : genes) {
    ASSERT_GE(gene, bounds.lower) << what;
    ASSERT_LE(gene, bounds.upper) << what;
  }
}

using Crossover = std::function<void(std::span<double>, std::span<double>, Rng&)>;
using Mutation = std::function<void(std::span<double>, Rng&)>;

std::vector<std::pair<std::string, Crossover>> crossovers() {
  return {
      {"sbx eta 15", [](auto a, auto b, Rng& r) { crossover_sbx(a, b, 15, kBounds, r); }},
      {"sbx eta 0", [](auto a, auto b, Rng& r) { crossover_sbx(a, b, 0, kBounds, r); }},
      {"blend 0.5", [](auto a, auto b, Rng& r) { crossover_blend(a, b, 0.5, kBounds, r); }},
      {"blend 3", [](auto a, auto b, Rng& r) { crossover_blend(a, b, 3, kBounds, r); }},
  };
}

std::vector<std::pair<std::string, Mutation>> mutations() {
  return {
      {"polynomial eta 20", [](auto g, Rng& r) { mutate_polynomial(g, 20, 1.0, kBounds, r); }},
      {"polynomial eta 0", [](auto g, Rng& r) { mutate_polynomial(g, 0, 1.0, kBounds, r); }},
      {"gaussian 1", [](auto g, Rng& r) { mutate_gaussian(g, 1.0, 1.0, kBounds, r); }},
      {"gaussian 100", [](auto g, Rng& r) { mutate_gaussian(g, 100.0, 0.5, kBounds, r); }},
  };
}

TEST(Operators, CrossoversStayInBounds) {
  for (const auto& [name, crossover] : crossovers()) {
    Rng rng = Rng::for_master(1, 0);
    for (int trial = 0; trial < 2000; ++trial) {
      std::vector<double> a = edge_genome(rng, 10);
      std::vector<double> b(10);
      for (double& gene : b) gene = rng.uniform(kBounds.lower, kBounds.upper);
      if (trial % 3 == 0) std::swap(a, b);
      crossover(a, b, rng);
      expect_in_bounds(a, kBounds, name);
      expect_in_bounds(b, kBounds, name);
    }
  }
}

TEST(Operators, MutationsStayInBounds) {
  for (const auto& [name, mutation] : mutations()) {
    Rng rng = Rng::for_master(2, 0);
    for (int trial = 0; trial < 2000; ++trial) {
      std::vector<double> genome = edge_genome(rng, 10);
      mutation(genome, rng);
      expect_in_bounds(genome, kBounds, name);
    }
  }
}

TEST(Operators, OutOfBoundsParentsGiveInBoundsChildren) {
  Rng rng = Rng::for_master(3, 0);
  for (const auto& [name, crossover] : crossovers()) {
    std::vector<double> a = {-100, 100, kNaN, 0};
    std::vector<double> b = {100, -100, 1, kNaN};
    crossover(a, b, rng);
    expect_in_bounds(a, kBounds, name);
    expect_in_bounds(b, kBounds, name);
  }
  for (const auto& [name, mutation] : mutations()) {
    std::vector<double> genome = {-100, 100, kNaN, 0};
    mutation(genome, rng);
    expect_in_bounds(genome, kBounds, name);
  }
}

TEST(Operators, SameRngStateGivesSameChildren) {
  Rng seed_rng = Rng::for_master(4, 0);
  const std::vector<double> a0 = edge_genome(seed_rng, 12);
  std::vector<double> b0(12);
  for (double& gene : b0) gene = seed_rng.uniform(kBounds.lower, kBounds.upper);

  for (const auto& [name, crossover] : crossovers()) {
    Rng first = Rng::for_master(5, 0);
    first.next_u64();  // start mid-block
    Rng second = Rng::from_state(first.state());
    std::vector<double> a1 = a0, b1 = b0, a2 = a0, b2 = b0;
    crossover(a1, b1, first);
    crossover(a2, b2, second);
    EXPECT_EQ(a1, a2) << name;
    EXPECT_EQ(b1, b2) << name;
    EXPECT_EQ(first.state(), second.state()) << name;
    EXPECT_NE(a1, a0) << name;
  }
  for (const auto& [name, mutation] : mutations()) {
    Rng first = Rng::for_master(6, 0);
    Rng second = Rng::from_state(first.state());
    std::vector<double> g1 = a0, g2 = a0;
    mutation(g1, first);
    mutation(g2, second);
    EXPECT_EQ(g1, g2) << name;
    EXPECT_EQ(first.state(), second.state()) << name;
    EXPECT_NE(g1, a0) << name;
  }
}

TEST(Operators, MutationWithZeroProbabilityChangesNothing) {
  Rng rng = Rng::for_master(7, 0);
  const std::vector<double> original = edge_genome(rng, 20);
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<double> genome = original;
    mutate_polynomial(genome, 20, 0.0, kBounds, rng);
    mutate_gaussian(genome, 1.0, 0.0, kBounds, rng);
    EXPECT_EQ(genome, original);
  }
}

TEST(Operators, SbxLeavesIdenticalParentsAlone) {
  Rng rng = Rng::for_master(8, 0);
  std::vector<double> a = {1.5, -2.0, 0.0, kBounds.upper};
  std::vector<double> b = a;
  crossover_sbx(a, b, 15, kBounds, rng);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, (std::vector<double>{1.5, -2.0, 0.0, kBounds.upper}));
}

TEST(Operators, SbxFollowsTheDocumentedDrawOrder) {
  // One gene; first draw decides whether it crosses (< 0.5), second is DEAP's `rand`, third
  // the swap. Find a stream state where it crosses and replay DEAP's formula by hand.
  Rng rng = Rng::for_master(9, 0);
  while (true) {
    Rng probe = Rng::from_state(rng.state());
    if (probe.uniform01() < 0.5) break;
    rng.next_u64();
  }
  Rng replay = Rng::from_state(rng.state());
  std::vector<double> a = {1.0};
  std::vector<double> b = {2.0};
  crossover_sbx(a, b, 10, kBounds, rng);

  replay.uniform01();
  const double rand = replay.uniform01();
  const bool swap = replay.uniform01() < 0.5;
  const double x1 = 1.0, x2 = 2.0, eta = 10, xl = kBounds.lower, xu = kBounds.upper;
  auto beta_q = [&](double beta) {
    const double alpha = 2.0 - std::pow(beta, -(eta + 1.0));
    return rand <= 1.0 / alpha ? std::pow(rand * alpha, 1.0 / (eta + 1.0))
                               : std::pow(1.0 / (2.0 - rand * alpha), 1.0 / (eta + 1.0));
  };
  const double c1 = 0.5 * (x1 + x2 - beta_q(1.0 + 2.0 * (x1 - xl) / (x2 - x1)) * (x2 - x1));
  const double c2 = 0.5 * (x1 + x2 + beta_q(1.0 + 2.0 * (xu - x2) / (x2 - x1)) * (x2 - x1));
  EXPECT_EQ(a[0], swap ? c2 : c1);
  EXPECT_EQ(b[0], swap ? c1 : c2);
  EXPECT_EQ(rng.state(), replay.state());
}

TEST(Operators, BlendWithAlphaZeroStaysBetweenParents) {
  Rng rng = Rng::for_master(10, 0);
  for (int trial = 0; trial < 1000; ++trial) {
    std::vector<double> a = {-1.0, 3.0};
    std::vector<double> b = {2.0, -4.0};
    crossover_blend(a, b, 0.0, kBounds, rng);
    EXPECT_GE(a[0], -1.0);
    EXPECT_LE(a[0], 2.0);
    EXPECT_GE(b[1], -4.0);
    EXPECT_LE(b[1], 3.0);
    EXPECT_DOUBLE_EQ(a[0] + b[0], 1.0);  // the children's sum is preserved
  }
}

TEST(Operators, TournamentOfWholePopulationSizeFollowsItsDraws) {
  // Drawn with replacement, so a tournament the size of the population may miss the best;
  // replay the documented draws (tournament_size x below(n) per selection) to check the rule.
  const Population population = with_fitness({3, 1, 4, 1, 5, 9, 2, 6});
  Rng rng = Rng::for_master(11, 0);
  Rng replay = Rng::from_state(rng.state());
  const std::vector<std::size_t> chosen = select_tournament(population, 50, 8, rng);
  ASSERT_EQ(chosen.size(), 50u);
  for (std::size_t pick : chosen) {
    std::size_t best = replay.below(8);
    for (int t = 1; t < 8; ++t) {
      const std::size_t aspirant = replay.below(8);
      const double fa = population.fitness_of(aspirant)[0];
      const double fb = population.fitness_of(best)[0];
      if (fa < fb || (fa == fb && aspirant < best)) best = aspirant;
    }
    EXPECT_EQ(pick, best);
  }
  EXPECT_EQ(rng.state(), replay.state());
}

TEST(Operators, LargeTournamentPicksTheBestWithTiesToTheLowerIndex) {
  // Fitness 1 at indices 1 and 3: a tournament of 200 draws from 8 sees both (and everyone)
  // with overwhelming probability, and must pick index 1.
  const Population population = with_fitness({3, 1, 4, 1, 5, 9, 2, 6});
  Rng rng = Rng::for_master(12, 0);
  for (std::size_t pick : select_tournament(population, 100, 200, rng)) EXPECT_EQ(pick, 1u);
}

TEST(Operators, TournamentTreatsNaNAsWorst) {
  const Population population = with_fitness({kNaN, 7, kNaN});
  Rng rng = Rng::for_master(13, 0);
  for (std::size_t pick : select_tournament(population, 100, 50, rng)) EXPECT_EQ(pick, 1u);
}

TEST(Operators, TournamentOfOneIsUniform) {
  const Population population = with_fitness({1, 2, 3, 4});
  Rng rng = Rng::for_master(14, 0);
  std::vector<int> counts(4, 0);
  for (std::size_t pick : select_tournament(population, 4000, 1, rng)) ++counts[pick];
  for (int count : counts) EXPECT_NEAR(count, 1000, 150);
}

TEST(Operators, TournamentRejectsBadArguments) {
  Rng rng = Rng::for_master(15, 0);
  EXPECT_TRUE(select_tournament(Population(), 0, 3, rng).empty());
  EXPECT_THROW(select_tournament(Population(), 1, 3, rng), common::Error);
  EXPECT_THROW(select_tournament(with_fitness({1}), 1, 0, rng), common::Error);
}

TEST(Operators, BestIndicesOrderByFitnessThenIndex) {
  const Population population = with_fitness({3, 1, kNaN, 1, 5, -2, 3});
  EXPECT_EQ(best_indices(population, 3), (std::vector<std::size_t>{5, 1, 3}));
  EXPECT_EQ(best_indices(population, 7), (std::vector<std::size_t>{5, 1, 3, 0, 6, 4, 2}));
  EXPECT_EQ(best_indices(population, 100).size(), 7u);
  EXPECT_TRUE(best_indices(population, 0).empty());
}

TEST(Operators, RejectsInvalidBoundsAndMismatchedParents) {
  Rng rng = Rng::for_master(16, 0);
  std::vector<double> a = {0, 0};
  std::vector<double> b = {0};
  EXPECT_THROW(crossover_sbx(a, b, 15, kBounds, rng), common::Error);
  EXPECT_THROW(crossover_blend(a, b, 0.5, kBounds, rng), common::Error);
  EXPECT_THROW(mutate_gaussian(a, 1, 1, Bounds{1, -1}, rng), common::Error);
  EXPECT_THROW(mutate_polynomial(a, 20, 1, Bounds{0, kNaN}, rng), common::Error);
}

TEST(Operators, DegenerateBoundsPinEveryGene) {
  Rng rng = Rng::for_master(17, 0);
  constexpr Bounds kPoint{2.0, 2.0};
  std::vector<double> a = {2.0, 2.0};
  std::vector<double> b = {2.0, 2.0};
  crossover_sbx(a, b, 15, kPoint, rng);
  crossover_blend(a, b, 0.5, kPoint, rng);
  mutate_polynomial(a, 20, 1.0, kPoint, rng);
  mutate_gaussian(b, 1.0, 1.0, kPoint, rng);
  EXPECT_EQ(a, (std::vector<double>{2.0, 2.0}));
  EXPECT_EQ(b, (std::vector<double>{2.0, 2.0}));
}

}  // namespace
}  // namespace evo::master
