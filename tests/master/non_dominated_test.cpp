#include "master/non_dominated.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace evo::master {
namespace {

// Two-objective individuals with the given fitness; genes unused.
common::Population points(const std::vector<std::vector<double>>& fitness) {
  common::Population population(fitness.size(), 1, fitness.front().size());
  for (std::size_t i = 0; i < fitness.size(); ++i) {
    for (std::size_t k = 0; k < fitness[i].size(); ++k) population.fitness_of(i)[k] = fitness[i][k];
  }
  return population;
}

TEST(NonDominated, DominanceNeedsNoWorseEverywhereAndBetterSomewhere) {
  EXPECT_TRUE(dominates(std::vector{1.0, 2.0}, std::vector{1.0, 3.0}));
  EXPECT_TRUE(dominates(std::vector{0.0, 0.0}, std::vector{1.0, 1.0}));
  EXPECT_FALSE(dominates(std::vector{1.0, 2.0}, std::vector{1.0, 2.0}));  // equal
  EXPECT_FALSE(dominates(std::vector{1.0, 3.0}, std::vector{2.0, 2.0}));  // a trade-off
  EXPECT_FALSE(dominates(std::vector{2.0, 2.0}, std::vector{1.0, 3.0}));
}

TEST(NonDominated, SortsHandCheckedPointsIntoFronts) {
  // Index: 0 (1,5) 1 (2,3) 2 (4,1) 3 (3,4) 4 (5,5) 5 (2,3) 6 (6,6)
  // Front 0: 0, 1, 2, 5 (1 and 5 are equal, neither dominates); front 1: 3 (dominated by
  // 1 and 5); front 2: 4 (dominated by 3); front 3: 6.
  const auto fronts =
      non_dominated_fronts(points({{1, 5}, {2, 3}, {4, 1}, {3, 4}, {5, 5}, {2, 3}, {6, 6}}));
  ASSERT_EQ(fronts.size(), 4u);
  EXPECT_EQ(fronts[0], (std::vector<std::size_t>{0, 1, 2, 5}));
  EXPECT_EQ(fronts[1], (std::vector<std::size_t>{3}));
  EXPECT_EQ(fronts[2], (std::vector<std::size_t>{4}));
  EXPECT_EQ(fronts[3], (std::vector<std::size_t>{6}));
}

TEST(NonDominated, ThreeObjectiveTradeOffsShareOneFront) {
  const auto fronts = non_dominated_fronts(points({{1, 2, 3}, {3, 2, 1}, {2, 2, 2}, {3, 3, 3}}));
  ASSERT_EQ(fronts.size(), 2u);
  EXPECT_EQ(fronts[0], (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(fronts[1], (std::vector<std::size_t>{3}));
}

TEST(NonDominated, CrowdingDistanceOfAHandCheckedFront) {
  // Sorted by f1: (0,4) (1,2) (3,1) (4,0); ranges 4 and 4.
  // Middle (1,2): (3-0)/4 + (4-1)/4 = 1.5; (3,1): (4-1)/4 + (2-0)/4 = 1.25.
  const common::Population population = points({{3, 1}, {0, 4}, {4, 0}, {1, 2}});
  const std::vector<std::size_t> front = {0, 1, 2, 3};
  const std::vector<double> distance = crowding_distances(population, front);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(distance, (std::vector<double>{1.25, kInf, kInf, 1.5}));
}

TEST(NonDominated, CrowdingOfTwoOrFewerIsInfiniteAndFlatObjectivesAddNothing) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const common::Population two = points({{0, 1}, {1, 0}});
  EXPECT_EQ(crowding_distances(two, std::vector<std::size_t>{0, 1}),
            (std::vector<double>{kInf, kInf}));
  // Objective 1 is the same for all: only objective 0 counts. (1,7): (2-0)/2 = 1.
  const common::Population flat = points({{0, 7}, {1, 7}, {2, 7}});
  const auto distance = crowding_distances(flat, std::vector<std::size_t>{0, 1, 2});
  EXPECT_EQ(distance[1], 1.0);
}

}  // namespace
}  // namespace evo::master
