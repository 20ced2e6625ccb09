#include "master/hall_of_fame.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace evo::master {
namespace {

// One-gene individuals whose gene equals their index in `fitness`.
common::Population individuals(const std::vector<double>& fitness, double first_gene = 0) {
  common::Population population(fitness.size(), 1, 1);
  for (std::size_t i = 0; i < fitness.size(); ++i) {
    population.genome(i)[0] = first_gene + static_cast<double>(i);
    population.fitness_of(i)[0] = fitness[i];
  }
  return population;
}

std::vector<double> fitness_of(const common::Population& population) { return population.fitness; }

TEST(HallOfFame, KeepsTheBestSortedAscending) {
  HallOfFame hof(3, 1, 1);
  hof.update(individuals({5, 1, 4, 2, 3}));
  EXPECT_EQ(fitness_of(hof.members()), (std::vector<double>{1, 2, 3}));
}

TEST(HallOfFame, KeepsBestOverSeveralUpdates) {
  HallOfFame hof(2, 1, 1);
  hof.update(individuals({5, 4}, 0));
  hof.update(individuals({6, 3}, 10));
  EXPECT_EQ(fitness_of(hof.members()), (std::vector<double>{3, 4}));
  EXPECT_EQ(hof.members().genome(0)[0], 11);
}

TEST(HallOfFame, IgnoresDuplicateGenomes) {
  HallOfFame hof(3, 1, 1);
  hof.update(individuals({1, 2}));
  hof.update(individuals({1, 2}));  // the same genomes again (elites carried over)
  EXPECT_EQ(hof.members().size(), 2u);
}

TEST(HallOfFame, FirstSeenStaysFirstAmongEqualFitness) {
  HallOfFame hof(3, 1, 1);
  hof.update(individuals({7, 7, 7}, 100));
  EXPECT_EQ(hof.members().genome(0)[0], 100);
  EXPECT_EQ(hof.members().genome(2)[0], 102);
}

TEST(HallOfFame, SkipsUnevaluatedIndividuals) {
  HallOfFame hof(3, 1, 1);
  common::Population population = individuals({1, 2});
  population.invalidate(0);
  hof.update(population);
  ASSERT_EQ(hof.members().size(), 1u);
  EXPECT_EQ(hof.members().fitness_of(0)[0], 2);
}

TEST(HallOfFame, RestoreRefusesMoreMembersThanCapacity) {
  HallOfFame hof(1, 1, 1);
  EXPECT_THROW(hof.restore(individuals({1, 2})), common::IncompatibleCheckpointError);
}

}  // namespace
}  // namespace evo::master
