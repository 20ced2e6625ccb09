#include "master/sequence_operators.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "common/rng.hpp"

namespace evo::master {
namespace {

using common::Rng;

std::vector<double> iota_genome(std::size_t n, double start) {
  std::vector<double> genes(n);
  for (std::size_t i = 0; i < n; ++i) genes[i] = start + static_cast<double>(i);
  return genes;
}

TEST(OnePointCrossover, ExchangesTheTailsAtTheDocumentedPoint) {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const std::size_t n = 2 + seed % 9;
    std::vector<double> a = iota_genome(n, 0);
    std::vector<double> b = iota_genome(n, 100);
    Rng rng = Rng::for_master(seed, 0);
    Rng expected_draws = rng;
    crossover_one_point(a, b, rng);
    const auto point = static_cast<std::size_t>(1 + expected_draws.below(n - 1));
    ASSERT_GE(point, 1u);
    ASSERT_LE(point, n - 1);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(a[i], i < point ? static_cast<double>(i) : 100.0 + static_cast<double>(i));
      EXPECT_EQ(b[i], i < point ? 100.0 + static_cast<double>(i) : static_cast<double>(i));
    }
    EXPECT_EQ(rng.state(), expected_draws.state()) << "one draw only";
  }
}

TEST(OnePointCrossover, OneGeneIsLeftAloneAndTwoGenesAlwaysSwapTheSecond) {
  std::vector<double> a = {1};
  std::vector<double> b = {2};
  Rng rng = Rng::for_master(1, 0);
  const Rng before = rng;
  crossover_one_point(a, b, rng);
  EXPECT_EQ(a, std::vector<double>{1});
  EXPECT_EQ(rng.state(), before.state()) << "nothing drawn";
  std::vector<double> c = {1, 2};
  std::vector<double> d = {3, 4};
  crossover_one_point(c, d, rng);
  EXPECT_EQ(c, (std::vector<double>{1, 4}));
  EXPECT_EQ(d, (std::vector<double>{3, 2}));
}

TEST(TwoPointCrossover, ExchangesOneSegmentDrawnAsDeapDoes) {
  std::map<std::pair<std::size_t, std::size_t>, int> segments;
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    const std::size_t n = 4;
    std::vector<double> a = iota_genome(n, 0);
    std::vector<double> b = iota_genome(n, 100);
    Rng rng = Rng::for_master(seed, 0);
    Rng draws = rng;
    crossover_two_point(a, b, rng);
    auto p1 = static_cast<std::size_t>(1 + draws.below(n));
    auto p2 = static_cast<std::size_t>(1 + draws.below(n - 1));
    if (p2 >= p1) {
      ++p2;
    } else {
      std::swap(p1, p2);
    }
    ASSERT_LT(p1, p2);
    ASSERT_LE(p2, n);
    segments[{p1, p2}]++;
    for (std::size_t i = 0; i < n; ++i) {
      const bool inside = i >= p1 && i < p2;
      EXPECT_EQ(a[i], (inside ? 100.0 : 0.0) + static_cast<double>(i));
      EXPECT_EQ(b[i], (inside ? 0.0 : 100.0) + static_cast<double>(i));
    }
  }
  // Segments never start at 0 (DEAP's cxTwoPoint), and every other one occurs.
  EXPECT_EQ(segments.size(), 6u);  // [1,2) [1,3) [1,4) [2,3) [2,4) [3,4)
}

TEST(TwoPointCrossover, TwoGenesExchangeTheSecondAndOneGeneNothing) {
  Rng rng = Rng::for_master(3, 0);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> a = {1, 2};
    std::vector<double> b = {3, 4};
    crossover_two_point(a, b, rng);
    EXPECT_EQ(a, (std::vector<double>{1, 4}));
  }
  std::vector<double> a = {1};
  std::vector<double> b = {2};
  const Rng before = rng;
  crossover_two_point(a, b, rng);
  EXPECT_EQ(a, std::vector<double>{1});
  EXPECT_EQ(rng.state(), before.state());
}

TEST(UniformCrossover, SwapsEachPositionWithItsProbability) {
  std::vector<double> a = iota_genome(8, 0);
  std::vector<double> b = iota_genome(8, 100);
  Rng rng = Rng::for_master(1, 0);
  crossover_uniform(a, b, 0.0, rng);
  EXPECT_EQ(a, iota_genome(8, 0));
  crossover_uniform(a, b, 1.0, rng);
  EXPECT_EQ(a, iota_genome(8, 100));
  EXPECT_EQ(b, iota_genome(8, 0));
  int swapped = 0;
  const std::size_t genes = 20000;
  std::vector<double> x(genes, 0.0);
  std::vector<double> y(genes, 1.0);
  crossover_uniform(x, y, 0.3, rng);
  for (std::size_t i = 0; i < genes; ++i) {
    EXPECT_EQ(x[i] + y[i], 1.0);
    swapped += x[i] == 1.0 ? 1 : 0;
  }
  EXPECT_NEAR(swapped / static_cast<double>(genes), 0.3, 0.015);
}

TEST(FlipBitMutation, FlipsBitsWithTheirProbabilityAndKeepsThemBits) {
  Rng rng = Rng::for_master(2, 0);
  std::vector<double> bits = {0, 1, 1, 0};
  mutate_flip_bit(bits, 1.0, rng);
  EXPECT_EQ(bits, (std::vector<double>{1, 0, 0, 1}));
  mutate_flip_bit(bits, 0.0, rng);
  EXPECT_EQ(bits, (std::vector<double>{1, 0, 0, 1}));
  std::vector<double> many(20000, 0.0);
  mutate_flip_bit(many, 0.1, rng);
  EXPECT_TRUE(std::all_of(many.begin(), many.end(), [](double g) { return g == 0 || g == 1; }));
  EXPECT_NEAR(static_cast<double>(std::count(many.begin(), many.end(), 1.0)) / 20000.0, 0.1, 0.01);
}

TEST(UniformIntMutation, DrawsEveryWholeNumberOfTheBoundsAndNothingElse) {
  Rng rng = Rng::for_master(4, 0);
  std::map<double, int> seen;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<double> genes = {0, 0, 0};
    mutate_uniform_int(genes, {-2, 3}, 1.0, rng);
    for (double g : genes) seen[g]++;
  }
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen.begin()->first, -2.0);
  EXPECT_EQ(seen.rbegin()->first, 3.0);
  for (const auto& [value, count] : seen) EXPECT_GT(count, 100) << value;  // ~150 each
  // The documented draws: u, then below(upper - lower + 1).
  Rng a = Rng::for_master(9, 0);
  Rng draws = a;
  std::vector<double> gene = {7};
  mutate_uniform_int(gene, {5, 9}, 1.0, a);
  draws.uniform01();
  EXPECT_EQ(gene[0], static_cast<double>(5 + static_cast<std::int64_t>(draws.below(5))));
}

TEST(CreepMutation, MovesByAtMostTheStepAndStaysInBounds) {
  Rng rng = Rng::for_master(5, 0);
  std::map<double, int> moves;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<double> genes = {0};
    mutate_creep(genes, {-10, 10}, 3, 1.0, rng);
    moves[genes[0]]++;
  }
  // ±1, ±2, ±3 and never 0 (indpb 1: the gene always moves when not at a bound).
  ASSERT_EQ(moves.size(), 6u);
  EXPECT_EQ(moves.count(0.0), 0u);
  EXPECT_EQ(moves.begin()->first, -3.0);
  EXPECT_EQ(moves.rbegin()->first, 3.0);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<double> at_bounds = {-10, 10};
    mutate_creep(at_bounds, {-10, 10}, 5, 1.0, rng);
    EXPECT_GE(at_bounds[0], -10.0);
    EXPECT_LE(at_bounds[1], 10.0);
  }
  std::vector<double> untouched = {4, 5};
  mutate_creep(untouched, {-10, 10}, 3, 0.0, rng);
  EXPECT_EQ(untouched, (std::vector<double>{4, 5}));
}

TEST(SequenceOperators, SameRngStateGivesTheSameChildren) {
  for (int op = 0; op < 6; ++op) {
    std::vector<std::vector<double>> results;
    for (int run = 0; run < 2; ++run) {
      Rng rng = Rng::for_master(77, 1);
      std::vector<double> a = iota_genome(12, 0);
      std::vector<double> b = iota_genome(12, 20);
      switch (op) {
        case 0:
          crossover_one_point(a, b, rng);
          break;
        case 1:
          crossover_two_point(a, b, rng);
          break;
        case 2:
          crossover_uniform(a, b, 0.5, rng);
          break;
        case 3:
          mutate_flip_bit(a, 0.5, rng);
          break;
        case 4:
          mutate_uniform_int(a, {0, 40}, 0.5, rng);
          break;
        default:
          mutate_creep(a, {0, 40}, 4, 0.5, rng);
          break;
      }
      a.insert(a.end(), b.begin(), b.end());
      results.push_back(a);
    }
    EXPECT_EQ(results[0], results[1]) << "operator " << op;
  }
}

}  // namespace
}  // namespace evo::master
