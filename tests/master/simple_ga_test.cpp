#include "master/simple_ga.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "common/error.hpp"

namespace evo::master {
namespace {

common::Config small_config() {
  return common::parse_config(
      "[problem]\nname = \"sphere\"\ndimension = 4\n"
      "[algorithm]\npopulation = 20\nelitism = 2\n",
      "test");
}

// Fitness = sum of squares, so the test needs no worker.
void evaluate(common::Population& population) {
  for (std::size_t i = 0; i < population.size(); ++i) {
    if (population.evaluated(i)) continue;
    double sum = 0;
    for (double gene : population.genome(i)) sum += gene * gene;
    population.fitness_of(i)[0] = sum;
  }
}

TEST(SimpleGa, InitialPopulationIsWithinBoundsAndUnevaluated) {
  const auto config = small_config();
  SimpleGa ga(config);
  common::Rng rng = common::Rng::for_master(1, 0);
  const common::Population initial = ga.initial_population(rng);
  ASSERT_EQ(initial.size(), 20u);
  for (std::size_t i = 0; i < initial.size(); ++i) {
    EXPECT_FALSE(initial.evaluated(i));
    for (double gene : initial.genome(i)) {
      EXPECT_GE(gene, config.genome.lower);
      EXPECT_LT(gene, config.genome.upper);
    }
  }
}

TEST(SimpleGa, BreedKeepsElitesFirstWithTheirFitness) {
  const auto config = small_config();
  SimpleGa ga(config);
  common::Rng rng = common::Rng::for_master(1, 0);
  common::Population initial = ga.initial_population(rng);
  evaluate(initial);
  ga.accept(initial, rng);
  const common::Population next = ga.breed(rng);
  ASSERT_EQ(next.size(), 20u);
  const auto best = best_indices(initial, 2);
  for (std::size_t e = 0; e < 2; ++e) {
    EXPECT_TRUE(next.evaluated(e));
    EXPECT_EQ(next.fitness_of(e)[0], initial.fitness_of(best[e])[0]);
  }
}

TEST(SimpleGa, SameRngStateGivesSameOffspring) {
  const auto config = small_config();
  auto run = [&] {
    SimpleGa ga(config);
    common::Rng rng = common::Rng::for_master(5, 1);
    common::Population population = ga.initial_population(rng);
    for (int gen = 0; gen < 5; ++gen) {
      evaluate(population);
      ga.accept(population, rng);
      population = ga.breed(rng);
    }
    evaluate(population);
    return population.genes;
  };
  EXPECT_EQ(run(), run());
}

TEST(SimpleGa, ElitismNeverLosesTheBest) {
  const auto config = small_config();
  SimpleGa ga(config);
  common::Rng rng = common::Rng::for_master(3, 0);
  common::Population population = ga.initial_population(rng);
  double best = INFINITY;
  for (int gen = 0; gen < 30; ++gen) {
    evaluate(population);
    ga.accept(population, rng);
    const double now = ga.population().fitness_of(best_indices(ga.population(), 1)[0])[0];
    EXPECT_LE(now, best);
    best = now;
    population = ga.breed(rng);
  }
}

TEST(SimpleGa, RestoreRefusesAnotherAlgorithmsState) {
  SimpleGa ga(small_config());
  common::AlgorithmState state;
  state.name = "cmaes";
  EXPECT_THROW(ga.restore_state(state, common::Population(20, 4, 1)), common::CheckpointError);
}

TEST(SimpleGa, RestoreRefusesAPopulationOfAnotherShape) {
  SimpleGa ga(small_config());
  EXPECT_THROW(ga.restore_state(ga.save_state(), common::Population(20, 5, 1)),
               common::IncompatibleCheckpointError);
}

}  // namespace
}  // namespace evo::master
