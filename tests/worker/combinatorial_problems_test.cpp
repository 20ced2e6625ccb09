#include "worker/combinatorial_problems.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "worker/evaluator_factory.hpp"
#include "worker/tsp.hpp"

namespace evo::worker {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

common::ProblemConfig problem(const std::string& name, int dimension) {
  common::ProblemConfig config;
  config.name = name;
  config.dimension = dimension;
  return config;
}

common::EvalOutcome evaluate(const common::ProblemConfig& config, const std::vector<double>& genome,
                             double& fitness) {
  const auto evaluator = make_combinatorial_evaluator(config);
  return evaluator->evaluate(genome, {}, {&fitness, 1});
}

// The best value of a 0/1 knapsack by dynamic programming over capacities, and the packing.
std::int64_t knapsack_optimum(const KnapsackInstance& instance, std::vector<double>& packing) {
  const std::size_t n = instance.weights.size();
  const auto capacity = static_cast<std::size_t>(instance.capacity);
  // best[i][c]: the best value of items 0..i-1 within capacity c.
  std::vector<std::vector<std::int64_t>> best(n + 1, std::vector<std::int64_t>(capacity + 1, 0));
  for (std::size_t i = 1; i <= n; ++i) {
    const auto weight = static_cast<std::size_t>(instance.weights[i - 1]);
    for (std::size_t c = 0; c <= capacity; ++c) {
      best[i][c] = best[i - 1][c];
      if (weight <= c) {
        best[i][c] = std::max(best[i][c], best[i - 1][c - weight] + instance.values[i - 1]);
      }
    }
  }
  packing.assign(n, 0.0);
  for (std::size_t i = n, c = capacity; i > 0; --i) {
    if (best[i][c] != best[i - 1][c]) {
      packing[i - 1] = 1;
      c -= static_cast<std::size_t>(instance.weights[i - 1]);
    }
  }
  return best[n][capacity];
}

TEST(Onemax, CountsOnesNegated) {
  EXPECT_EQ(onemax(std::vector<double>(12, 1.0)), -12.0);
  EXPECT_EQ(onemax(std::vector<double>(12, 0.0)), 0.0);
  EXPECT_EQ(onemax(std::vector<double>{1, 0, 1, 1, 0}), -3.0);
  double fitness = 0;
  EXPECT_EQ(evaluate(problem("onemax", 3), {1, 1, 0}, fitness).status, common::EvalStatus::kOk);
  EXPECT_EQ(fitness, -2.0);
}

TEST(Onemax, AGeneThatIsNotABitFailsTheEvaluation) {
  double fitness = 0;
  const common::EvalOutcome outcome = evaluate(problem("onemax", 3), {1, 0.5, 0}, fitness);
  EXPECT_EQ(outcome.status, common::EvalStatus::kFailed);
  EXPECT_THAT(outcome.detail, HasSubstr("onemax: gene 1 is 0.5, not a bit"));
}

TEST(Knapsack, InstanceIsTheDocumentedSplitMix64Sequence) {
  // First items of seed 1, from an independent Python implementation (docs/problems.md).
  const KnapsackInstance instance = KnapsackInstance::generate(1, 3);
  EXPECT_EQ(instance.weights, (std::vector<std::int64_t>{66, 91, 62}));
  EXPECT_EQ(instance.values, (std::vector<std::int64_t>{20, 36, 49}));
  EXPECT_EQ(instance.capacity, (66 + 91 + 62) / 2);
  EXPECT_NE(KnapsackInstance::generate(2, 3).weights, instance.weights);
}

TEST(Knapsack, DocumentedOptimaAreWhatDynamicProgrammingFinds) {
  // docs/problems.md: instance_seed 1, 20 / 50 / 100 items.
  const std::vector<std::pair<int, std::int64_t>> documented = {{20, 732}, {50, 2022}, {100, 4120}};
  for (const auto& [items, optimum] : documented) {
    const KnapsackInstance instance =
        KnapsackInstance::generate(1, static_cast<std::size_t>(items));
    std::vector<double> packing;
    EXPECT_EQ(knapsack_optimum(instance, packing), optimum) << items;
    // The evaluator gives exactly -optimum for the optimal packing.
    double fitness = 0;
    EXPECT_EQ(evaluate(problem("knapsack", items), packing, fitness).status,
              common::EvalStatus::kOk);
    EXPECT_EQ(fitness, -static_cast<double>(optimum)) << items;
  }
}

TEST(Knapsack, OverweightScoresTheExcessWhichIsWorseThanAnyFeasiblePacking) {
  const KnapsackInstance instance = KnapsackInstance::generate(1, 50);
  const std::vector<double> everything(50, 1.0);
  std::int64_t total = 0;
  for (std::int64_t w : instance.weights) total += w;
  EXPECT_EQ(instance.fitness(everything), static_cast<double>(total - instance.capacity));
  EXPECT_GT(instance.fitness(everything), 0.0);
  EXPECT_EQ(instance.fitness(std::vector<double>(50, 0.0)), 0.0);
  std::vector<double> first(50, 0.0);
  first[0] = 1;
  EXPECT_EQ(instance.fitness(first), -static_cast<double>(instance.values[0]));
}

std::string read_text(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(Tsp, Berlin52IsShippedAndMeasuredWithTsplibRounding) {
  const TspInstance berlin = TspInstance::parse(shipped_tsplib("berlin52"), "berlin52");
  EXPECT_EQ(berlin.name(), "berlin52");
  ASSERT_EQ(berlin.cities(), 52u);
  // Cities 1 (565, 575) and 2 (25, 185): sqrt(540^2 + 390^2) = 666.11 -> 666.
  EXPECT_EQ(berlin.distance(0, 1), 666);
  EXPECT_EQ(berlin.distance(1, 0), 666);
  EXPECT_EQ(berlin.distance(7, 7), 0);
  std::vector<double> identity(52);
  for (std::size_t i = 0; i < 52; ++i) identity[i] = static_cast<double>(i);
  // Computed independently (Python, the same TSPLIB rule): 1, 2, ..., 52, 1.
  EXPECT_EQ(berlin.tour_length(identity), 22205);
  // The compiled-in text is the shipped file.
  EXPECT_EQ(shipped_tsplib("berlin52"), read_text(EVO_SOURCE_DIR "/data/tsp/berlin52.tsp"));
  EXPECT_TRUE(shipped_tsplib("nosuch").empty());
}

TEST(Tsp, TheKnownOptimalTourHasLength7542) {
  const TspInstance berlin = TspInstance::parse(shipped_tsplib("berlin52"), "berlin52");
  std::istringstream lines(read_text(EVO_SOURCE_DIR "/data/tsp/berlin52.opt.tour"));
  std::string line;
  while (std::getline(lines, line) && line != "TOUR_SECTION") {
  }
  std::vector<double> tour;
  int city = 0;
  while (lines >> city && city != -1) tour.push_back(city - 1);  // TSPLIB counts from 1
  ASSERT_EQ(tour.size(), 52u);
  EXPECT_EQ(berlin.tour_length(tour), 7542);
  double fitness = 0;
  EXPECT_EQ(evaluate(problem("tsp_berlin52", 52), tour, fitness).status, common::EvalStatus::kOk);
  EXPECT_EQ(fitness, 7542.0);
  // Rotating or reversing a tour does not change its length.
  std::rotate(tour.begin(), tour.begin() + 17, tour.end());
  EXPECT_EQ(berlin.tour_length(tour), 7542);
  std::reverse(tour.begin(), tour.end());
  EXPECT_EQ(berlin.tour_length(tour), 7542);
}

TEST(Tsp, NintRoundsHalvesUpAsTsplibDoes) {
  const TspInstance tiny = TspInstance::parse(
      "NAME: tiny\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n"
      "1 0 0\n2 3 4\n3 1.5 0\nEOF\n",
      "tiny.tsp");
  EXPECT_EQ(tiny.distance(0, 1), 5);
  EXPECT_EQ(tiny.distance(0, 2), 2);  // 1.5 -> 2
  EXPECT_EQ(tiny.distance(1, 2), 4);  // sqrt(1.5^2 + 16) = 4.27 -> 4
  EXPECT_EQ(tiny.tour_length(std::vector<double>{0, 1, 2}), 11);
}

TEST(Tsp, RefusesWhatItCannotReadNamingTheLine) {
  EXPECT_THAT([] { TspInstance::parse("NAME: x\nEDGE_WEIGHT_TYPE: GEO\n", "x.tsp"); },
              ThrowsMessage<common::Error>(
                  HasSubstr("x.tsp:2: EDGE_WEIGHT_TYPE GEO is not supported (only EUC_2D)")));
  EXPECT_THAT(
      [] { TspInstance::parse("DIMENSION: 3\nNODE_COORD_SECTION\n1 0 0\n2 1 1\nEOF\n", "y.tsp"); },
      ThrowsMessage<common::Error>(HasSubstr("y.tsp: no coordinates for city 3")));
  EXPECT_THAT([] { TspInstance::parse("DIMENSION: 2\nNODE_COORD_SECTION\n1 0\n", "z.tsp"); },
              ThrowsMessage<common::Error>(HasSubstr("z.tsp:3: expected 'city x y'")));
}

TEST(Tsp, ATourThatIsNotAPermutationFailsTheEvaluation) {
  std::vector<double> tour(52);
  for (std::size_t i = 0; i < 52; ++i) tour[i] = static_cast<double>(i);
  tour[5] = 4;
  double fitness = 0;
  const common::EvalOutcome outcome = evaluate(problem("tsp_berlin52", 52), tour, fitness);
  EXPECT_EQ(outcome.status, common::EvalStatus::kFailed);
  EXPECT_THAT(outcome.detail, HasSubstr("tsp_berlin52: gene 5 repeats 4"));
}

TEST(CombinatorialProblems, AreBuiltThroughTheFactory) {
  common::Config config;
  config.problem = problem("knapsack", 20);
  EXPECT_EQ(make_evaluator(config)->objectives(), 1);
  EXPECT_EQ(make_combinatorial_evaluator(problem("sphere", 3)), nullptr);
}

}  // namespace
}  // namespace evo::worker
