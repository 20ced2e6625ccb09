#include "master/nsga2.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.hpp"
#include "master/hall_of_fame.hpp"
#include "master/non_dominated.hpp"

namespace evo::master {
namespace {

common::Config zdt1_config(int population) {
  return common::parse_config(
      "[problem]\nname = \"zdt1\"\ndimension = 5\n[algorithm]\n"
      "name = \"nsga2\"\npopulation = " +
          std::to_string(population) + "\n",
      "test");
}

void evaluate_zdt1(common::Population& population) {
  for (std::size_t i = 0; i < population.size(); ++i) {
    const auto x = population.genome(i);
    double sum = 0;
    for (std::size_t j = 1; j < x.size(); ++j) sum += x[j];
    const double g = 1 + 9 * sum / static_cast<double>(x.size() - 1);
    population.fitness_of(i)[0] = x[0];
    population.fitness_of(i)[1] = g * (1 - std::sqrt(x[0] / g));
  }
}

TEST(Nsga2, SurvivorsAreTakenFrontByFrontTheLastCutByCrowding) {
  Nsga2 nsga2(zdt1_config(4));
  common::Rng rng = common::Rng::for_master(1, 0);  // accept draws nothing in nsga2
  // Initial population of 4 with hand-set objectives (genes irrelevant).
  common::Population initial(4, 5, 2);
  const double points[4][2] = {{0, 4}, {4, 0}, {2, 2}, {5, 5}};
  for (std::size_t i = 0; i < 4; ++i) {
    initial.fitness_of(i)[0] = points[i][0];
    initial.fitness_of(i)[1] = points[i][1];
    initial.genome(i)[0] = static_cast<double>(i);
  }
  nsga2.accept(initial, rng);
  EXPECT_EQ(nsga2.ranks(), (std::vector<std::int64_t>{0, 0, 0, 1}));
  // Children: (1,1) dominates (2,2); (0.5,3) and (3,0.5) are on the new first front.
  common::Population children(4, 5, 2);
  const double child_points[4][2] = {{1, 1}, {0.5, 3}, {3, 0.5}, {6, 6}};
  for (std::size_t i = 0; i < 4; ++i) {
    children.fitness_of(i)[0] = child_points[i][0];
    children.fitness_of(i)[1] = child_points[i][1];
    children.genome(i)[0] = 10.0 + static_cast<double>(i);
  }
  nsga2.accept(children, rng);
  // Union front 0: (0,4) (4,0) (1,1) (0.5,3) (3,0.5): five for four places. (0,4) and
  // (4,0) are extremes (infinite crowding); (1,1): 2.5/4 + 2.5/4 = 1.25; (0.5,3):
  // 1/4 + 3/4 = 1; (3,0.5): 3/4 + 1/4 = 1: a tie, broken by pool index, so (0.5,3)
  // (gene 11) stays and (3,0.5) (gene 12) goes.
  std::vector<double> genes;
  for (std::size_t i = 0; i < 4; ++i) genes.push_back(nsga2.population().genome(i)[0]);
  std::sort(genes.begin(), genes.end());
  EXPECT_EQ(genes, (std::vector<double>{0, 1, 10, 11}));
  EXPECT_EQ(nsga2.ranks(), (std::vector<std::int64_t>{0, 0, 0, 0}));
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<double> crowding = nsga2.crowding();
  std::sort(crowding.begin(), crowding.end());
  EXPECT_EQ(crowding, (std::vector<double>{1.0, 1.25, kInf, kInf}));
}

TEST(Nsga2, ImprovesHypervolumeOnZdt1AndRoundTripsItsState) {
  const auto config = zdt1_config(40);
  Nsga2 nsga2(config);
  common::Rng rng = common::Rng::for_master(5, 0);
  common::Population initial = nsga2.initial_population(rng);
  evaluate_zdt1(initial);
  nsga2.accept(initial, rng);
  const double initial_hv = *nsga2.hypervolume();
  for (int g = 0; g < 60; ++g) {
    common::Population children = nsga2.breed(rng);
    ASSERT_EQ(children.size(), 40u);
    evaluate_zdt1(children);
    nsga2.accept(children, rng);
  }
  EXPECT_GT(*nsga2.hypervolume(), initial_hv);
  EXPECT_GT(*nsga2.hypervolume(), 0.6);  // the true front gives 0.8767 with (1.1, 1.1)
  EXPECT_LE(*nsga2.hypervolume(), 0.8767);

  Nsga2 restored(config);
  restored.restore_state(nsga2.save_state(), nsga2.population());
  EXPECT_EQ(restored.ranks(), nsga2.ranks());
  EXPECT_EQ(restored.crowding(), nsga2.crowding());
  common::Rng copy = common::Rng::from_state(rng.state());
  EXPECT_EQ(restored.breed(copy).genes, nsga2.breed(rng).genes);
}

// A chain: member k dominates every member after it.
common::Population dominance_chain(std::size_t n) {
  common::Population chain(n, 1, 2);
  for (std::size_t k = 0; k < n; ++k) {
    chain.fitness_of(k)[0] = static_cast<double>(k);
    chain.fitness_of(k)[1] = static_cast<double>(k);
  }
  return chain;
}

TEST(Nsga2, DcdTournamentsGiveEveryMemberExactlyTwoTournaments) {
  // With 8 members and 8 picks every member meets exactly two others (DEAP's
  // selTournamentDCD, Deb's tourselect.c): on a dominance chain the best wins both of its
  // tournaments and the worst none, whatever the draws. Random pairs would give the best
  // anywhere from 0 to 8 picks.
  const common::Population chain = dominance_chain(8);
  const std::vector<double> crowding(8, 0.0);
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    common::Rng rng = common::Rng::for_master(seed, 0);
    const std::vector<std::size_t> picks = select_tournament_dcd(chain, crowding, 8, rng);
    ASSERT_EQ(picks.size(), 8u);
    EXPECT_EQ(std::count(picks.begin(), picks.end(), 0u), 2) << "seed " << seed;
    EXPECT_EQ(std::count(picks.begin(), picks.end(), 7u), 0) << "seed " << seed;
  }
}

TEST(Nsga2, DcdTournamentsDecideByDominanceThenCrowdingThenACoin) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // Two members: every tournament is 0 against 1.
  common::Population pair(2, 1, 2);
  pair.fitness = {1, 2, 2, 1};  // mutually non-dominated
  common::Rng rng = common::Rng::for_master(1, 0);
  // Dominance wins over crowding: 1 dominates 0 although 0 is less crowded.
  common::Population dominated = pair;
  dominated.fitness = {2, 2, 1, 1};
  EXPECT_EQ(select_tournament_dcd(dominated, std::vector<double>{kInf, 0.0}, 6, rng),
            (std::vector<std::size_t>(6, 1)));
  // Non-dominated: the larger crowding distance (not the front rank, which DCD ignores).
  EXPECT_EQ(select_tournament_dcd(pair, std::vector<double>{0.5, 0.25}, 6, rng),
            (std::vector<std::size_t>(6, 0)));
  // Equal crowding: coin flips, both sides win sometimes, and the same draws repeat.
  common::Rng a = common::Rng::for_master(2, 0);
  common::Rng b = common::Rng::from_state(a.state());
  const std::vector<std::size_t> coins =
      select_tournament_dcd(pair, std::vector<double>{kInf, kInf}, 40, a);
  EXPECT_EQ(select_tournament_dcd(pair, std::vector<double>{kInf, kInf}, 40, b), coins);
  EXPECT_GT(std::count(coins.begin(), coins.end(), 0u), 0);
  EXPECT_GT(std::count(coins.begin(), coins.end(), 1u), 0);
}

TEST(Nsga2, DcdTournamentsWrapAroundForSizesNotAMultipleOfFour) {
  for (std::size_t n : {2u, 3u, 5u, 6u, 7u}) {
    const common::Population chain = dominance_chain(n);
    common::Rng rng = common::Rng::for_master(n, 0);
    const std::vector<std::size_t> picks =
        select_tournament_dcd(chain, std::vector<double>(n, 0.0), n, rng);
    ASSERT_EQ(picks.size(), n);
    // Each tournament has two distinct members, so the worst never wins.
    EXPECT_EQ(std::count(picks.begin(), picks.end(), n - 1), 0) << n;
    for (std::size_t i : picks) EXPECT_LT(i, n);
  }
}

TEST(HallOfFame, ParetoFrontKeepsExactlyTheNonDominatedWithoutTwins) {
  HallOfFame front(1, 1, 2, HallOfFame::Kind::kParetoFront);
  common::Population offered(6, 1, 2);
  const double points[6][2] = {{2, 2}, {1, 3}, {3, 3}, {2, 2}, {3, 1}, {1.5, 1.5}};
  for (std::size_t i = 0; i < 6; ++i) {
    offered.genome(i)[0] = i == 3 ? 0.0 : static_cast<double>(i);  // 3 is a twin of 0
    offered.fitness_of(i)[0] = points[i][0];
    offered.fitness_of(i)[1] = points[i][1];
  }
  front.update(offered);
  // (2,2) is dominated by (1.5,1.5) at the end; (3,3) never enters; capacity 1 is not a
  // limit for a Pareto front. Sorted by objectives.
  EXPECT_EQ(front.members().fitness, (std::vector<double>{1, 3, 1.5, 1.5, 3, 1}));
  for (std::size_t i = 0; i < front.members().size(); ++i) {
    for (std::size_t j = 0; j < front.members().size(); ++j) {
      EXPECT_FALSE(dominates(front.members().fitness_of(i), front.members().fitness_of(j)));
    }
  }
}

}  // namespace
}  // namespace evo::master
