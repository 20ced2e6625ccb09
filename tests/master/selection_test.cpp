#include "master/selection.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "common/rng.hpp"

namespace evo::master {
namespace {

using common::Population;
using common::Rng;

Population with_fitness(const std::vector<double>& fitness) {
  Population population(fitness.size(), 1, 1);
  for (std::size_t i = 0; i < fitness.size(); ++i) population.fitness_of(i)[0] = fitness[i];
  return population;
}

std::vector<int> counts_of(const std::vector<std::size_t>& chosen, std::size_t n) {
  std::vector<int> counts(n, 0);
  for (std::size_t i : chosen) counts.at(i)++;
  return counts;
}

TEST(SelectionWeights, WindowingFavoursLowFitnessAndIgnoresTheSign) {
  // Shares (f_worst - f_i): 3, 2, 1, 0 (relative); negative fitness works the same way.
  const std::vector<double> positive = selection_weights(with_fitness({1, 2, 3, 4}));
  const std::vector<double> negative = selection_weights(with_fitness({-4, -3, -2, -1}));
  for (const std::vector<double>* weights : {&positive, &negative}) {
    ASSERT_EQ(weights->size(), 4u);
    EXPECT_DOUBLE_EQ((*weights)[0] / (*weights)[2], 3.0);
    EXPECT_DOUBLE_EQ((*weights)[1] / (*weights)[2], 2.0);
    EXPECT_EQ((*weights)[3], 0.0);
  }
  // All equal: every share is 1. Huge values do not overflow.
  EXPECT_EQ(selection_weights(with_fitness({7, 7, 7})), (std::vector<double>{1, 1, 1}));
  const std::vector<double> huge = selection_weights(with_fitness({-1e300, 1e300}));
  EXPECT_TRUE(std::isfinite(huge[0]));
  EXPECT_GT(huge[0], 0.0);
  // Not evaluated (NaN) gets nothing.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(selection_weights(with_fitness({nan, 1, 2}))[0], 0.0);
}

TEST(RouletteSelection, PicksInProportionToTheShares) {
  Rng rng = Rng::for_master(1, 0);
  const int draws = 60000;
  const std::vector<int> counts =
      counts_of(select_roulette(with_fitness({1, 2, 3, 4}), draws, rng), 4);
  // Expected 1/2, 1/3, 1/6, 0; the tolerance is > 5 standard deviations (~120).
  EXPECT_NEAR(counts[0], draws / 2, 700);
  EXPECT_NEAR(counts[1], draws / 3, 700);
  EXPECT_NEAR(counts[2], draws / 6, 700);
  EXPECT_EQ(counts[3], 0);
}

TEST(RouletteSelection, EqualFitnessIsUniformAndOneDrawPerPick) {
  Rng rng = Rng::for_master(2, 0);
  Rng expected = rng;
  const std::vector<int> counts =
      counts_of(select_roulette(with_fitness({5, 5, 5}), 30000, rng), 3);
  for (int count : counts) EXPECT_NEAR(count, 10000, 600);
  for (int k = 0; k < 30000; ++k) expected.uniform01();
  EXPECT_EQ(rng.state(), expected.state());
}

TEST(SusSelection, PicksEachIndividualItsExpectedCountWithinOne) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Rng rng = Rng::for_master(seed, 0);
    // Shares 4, 3, 2, 1, 0 of 10: with 10 picks, expected 4, 3, 2, 1, 0.
    const Population population = with_fitness({1, 2, 3, 4, 5});
    const std::vector<int> counts = counts_of(select_sus(population, 10, rng), 5);
    const std::vector<int> expected = {4, 3, 2, 1, 0};
    for (std::size_t i = 0; i < 5; ++i) EXPECT_LE(std::abs(counts[i] - expected[i]), 1) << seed;
    EXPECT_EQ(counts[4], 0);
    // 7 picks: 2.8, 2.1, 1.4, 0.7, 0 -> floor or ceil of each.
    Rng rng7 = Rng::for_master(seed, 1);
    const std::vector<int> counts7 = counts_of(select_sus(population, 7, rng7), 5);
    const std::vector<double> share7 = {2.8, 2.1, 1.4, 0.7, 0};
    for (std::size_t i = 0; i < 5; ++i) {
      EXPECT_GE(counts7[i], std::floor(share7[i])) << seed;
      EXPECT_LE(counts7[i], std::ceil(share7[i])) << seed;
    }
  }
}

TEST(BestSelection, RanksBestFirstTiesByIndexAndStartsOver) {
  Rng rng = Rng::for_master(3, 0);
  const Rng before = rng;
  const Population population = with_fitness({3, 1, 2, 1});
  EXPECT_EQ(select_best(population, 4), (std::vector<std::size_t>{1, 3, 2, 0}));
  EXPECT_EQ(select_best(population, 6), (std::vector<std::size_t>{1, 3, 2, 0, 1, 3}));
  EXPECT_EQ(Selection(common::AlgorithmConfig{.selection = "best"}).select(population, 2, rng),
            (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(rng.state(), before.state()) << "best draws nothing";
}

TEST(RandomSelection, IsUniformAndIgnoresFitness) {
  Rng rng = Rng::for_master(4, 0);
  const std::vector<int> counts =
      counts_of(select_random(with_fitness({0, 100, 200, 300}), 40000, rng), 4);
  for (int count : counts) EXPECT_NEAR(count, 10000, 600);
}

TEST(TournamentSelection, TiesGoToTheLowerIndex) {
  Rng rng = Rng::for_master(5, 0);
  // Everyone equal: a tournament of the whole population almost surely sees index 0
  // among 50 aspirants and must then pick it.
  const std::vector<int> counts =
      counts_of(select_tournament(with_fitness({2, 2, 2, 2}), 100, 50, rng), 4);
  EXPECT_EQ(counts[0], 100);
}

TEST(Selection, DispatchesOnTheConfiguredMethodWithTheSameDraws) {
  const Population population = with_fitness({4, 1, 3, 2, 5, 0});
  for (const char* method : {"tournament", "roulette", "sus", "random"}) {
    common::AlgorithmConfig settings;
    settings.selection = method;
    Rng a = Rng::for_master(6, 0);
    Rng b = Rng::for_master(6, 0);
    std::vector<std::size_t> direct;
    if (std::string(method) == "tournament") direct = select_tournament(population, 9, 3, b);
    if (std::string(method) == "roulette") direct = select_roulette(population, 9, b);
    if (std::string(method) == "sus") direct = select_sus(population, 9, b);
    if (std::string(method) == "random") direct = select_random(population, 9, b);
    EXPECT_EQ(Selection(settings).select(population, 9, a), direct) << method;
  }
}

}  // namespace
}  // namespace evo::master
