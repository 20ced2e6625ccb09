#include "master/permutation_operators.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/rng.hpp"

namespace evo::master {
namespace {

using common::Rng;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

bool is_permutation(const std::vector<double>& genes) {
  std::vector<double> sorted = genes;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i] != static_cast<double>(i)) return false;
  }
  return true;
}

std::vector<double> random_permutation(std::size_t n, Rng& rng) {
  std::vector<double> genes(n);
  initialize_permutation(genes, rng);
  return genes;
}

TEST(InitializePermutation, DrawsEveryPermutationEquallyOften) {
  Rng rng = Rng::for_master(1, 0);
  std::map<std::vector<double>, int> counts;
  const int trials = 60000;
  for (int t = 0; t < trials; ++t) counts[random_permutation(3, rng)]++;
  ASSERT_EQ(counts.size(), 6u);
  for (const auto& [permutation, count] : counts) {
    EXPECT_TRUE(is_permutation(permutation));
    EXPECT_NEAR(count, trials / 6, 500);  // sd ~91
  }
}

TEST(OrderedCrossover, KeepsTheOtherParentsSegmentAndFillsInOwnOrder) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Rng rng = Rng::for_master(seed, 0);
    const std::size_t n = 2 + seed % 10;
    const std::vector<double> p1 = random_permutation(n, rng);
    const std::vector<double> p2 = random_permutation(n, rng);
    std::vector<double> c1 = p1;
    std::vector<double> c2 = p2;
    Rng draws = rng;
    crossover_ordered(c1, c2, rng);
    ASSERT_TRUE(is_permutation(c1));
    ASSERT_TRUE(is_permutation(c2));
    auto lo = static_cast<std::size_t>(draws.below(n));
    auto hi = static_cast<std::size_t>(draws.below(n - 1));
    if (hi >= lo) ++hi;
    if (lo > hi) std::swap(lo, hi);
    // Child 1: p2's segment [lo, hi] in place; the other elements in p1's order,
    // starting after hi and wrapping round.
    for (std::size_t i = lo; i <= hi; ++i) EXPECT_EQ(c1[i], p2[i]);
    std::vector<double> rest;
    for (std::size_t k = 0; k < n; ++k) {
      const double x = p1[(hi + 1 + k) % n];
      if (std::find(p2.begin() + static_cast<std::ptrdiff_t>(lo),
                    p2.begin() + static_cast<std::ptrdiff_t>(hi + 1),
                    x) == p2.begin() + static_cast<std::ptrdiff_t>(hi + 1)) {
        rest.push_back(x);
      }
    }
    for (std::size_t k = 0; k < rest.size(); ++k) EXPECT_EQ(c1[(hi + 1 + k) % n], rest[k]);
  }
}

// The first master stream (by seed) whose first draws satisfy `wanted`: a way to make an
// operator cut where a reference example cuts.
template <typename Wanted>
Rng stream_drawing(Wanted wanted) {
  for (std::uint64_t seed = 0;; ++seed) {
    Rng probe = Rng::for_master(seed, 0);
    if (wanted(probe)) return Rng::for_master(seed, 0);
  }
}

// Two distinct positions as crossover_ordered draws them, sorted.
std::pair<std::uint64_t, std::uint64_t> ox_segment(Rng& rng, std::uint64_t n) {
  const std::uint64_t first = rng.below(n);
  std::uint64_t second = rng.below(n - 1);
  if (second >= first) ++second;
  return {std::min(first, second), std::max(first, second)};
}

// Expected children computed with DEAP 1.3.1's cxOrdered and cxPartialyMatched (Debian's
// python3-deap), given the same cut points.
TEST(OrderedCrossover, MatchesDeapOnReferenceExamples) {
  {
    Rng rng = stream_drawing([](Rng& r) {
      return ox_segment(r, 5) == std::pair<std::uint64_t, std::uint64_t>{1, 2};
    });
    std::vector<double> a = {0, 1, 2, 3, 4};
    std::vector<double> b = {4, 3, 2, 1, 0};
    crossover_ordered(a, b, rng);
    EXPECT_EQ(a, (std::vector<double>{1, 3, 2, 4, 0}));
    EXPECT_EQ(b, (std::vector<double>{3, 1, 2, 0, 4}));
  }
  {
    Rng rng = stream_drawing([](Rng& r) {
      return ox_segment(r, 8) == std::pair<std::uint64_t, std::uint64_t>{2, 5};
    });
    std::vector<double> a = {0, 1, 2, 3, 4, 5, 6, 7};
    std::vector<double> b = {3, 7, 5, 1, 6, 0, 2, 4};
    crossover_ordered(a, b, rng);
    EXPECT_EQ(a, (std::vector<double>{3, 4, 5, 1, 6, 0, 7, 2}));
    EXPECT_EQ(b, (std::vector<double>{6, 0, 2, 3, 4, 5, 7, 1}));
  }
}

TEST(PmxCrossover, MatchesDeapOnReferenceExamples) {
  {
    // DEAP's randint(0, 8) = 2 and randint(0, 7) = 6: positions [2, 7) are matched.
    Rng rng = stream_drawing([](Rng& r) { return r.below(9) == 2 && r.below(8) == 6; });
    std::vector<double> a = {0, 1, 2, 3, 4, 5, 6, 7};
    std::vector<double> b = {3, 7, 5, 1, 6, 0, 2, 4};
    crossover_pmx(a, b, rng);
    EXPECT_EQ(a, (std::vector<double>{2, 3, 4, 1, 6, 0, 5, 7}));
    EXPECT_EQ(b, (std::vector<double>{1, 7, 0, 3, 5, 2, 4, 6}));
  }
  {
    // randint(0, 10) = 3, randint(0, 9) = 7: positions [3, 8).
    Rng rng = stream_drawing([](Rng& r) { return r.below(11) == 3 && r.below(10) == 7; });
    std::vector<double> a = {8, 4, 7, 3, 6, 2, 5, 1, 9, 0};
    std::vector<double> b = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    crossover_pmx(a, b, rng);
    EXPECT_EQ(a, (std::vector<double>{8, 6, 1, 3, 2, 5, 4, 7, 9, 0}));
    EXPECT_EQ(b, (std::vector<double>{0, 7, 5, 3, 6, 4, 2, 1, 8, 9}));
  }
}

TEST(PmxCrossover, ChildrenArePermutationsThatKeepUnclashingGenes) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Rng rng = Rng::for_master(seed, 0);
    const std::size_t n = 1 + seed % 10;
    const std::vector<double> p1 = random_permutation(n, rng);
    const std::vector<double> p2 = random_permutation(n, rng);
    std::vector<double> c1 = p1;
    std::vector<double> c2 = p2;
    Rng draws = rng;
    crossover_pmx(c1, c2, rng);
    ASSERT_TRUE(is_permutation(c1));
    ASSERT_TRUE(is_permutation(c2));
    auto a = static_cast<std::size_t>(draws.below(n + 1));
    auto b = static_cast<std::size_t>(draws.below(n));
    if (b >= a) {
      ++b;
    } else {
      std::swap(a, b);
    }
    // Outside the matched positions, a gene whose value no matched position of the other
    // parent holds stays where it was. (Inside, DEAP's in-place swaps can move values
    // along, so the child need not equal the other parent there: see the reference
    // examples.)
    for (std::size_t i = 0; i < n; ++i) {
      if (i >= a && i < b) continue;
      const bool clashes = std::find(p2.begin() + static_cast<std::ptrdiff_t>(a),
                                     p2.begin() + static_cast<std::ptrdiff_t>(b),
                                     p1[i]) != p2.begin() + static_cast<std::ptrdiff_t>(b);
      if (!clashes) {
        EXPECT_EQ(c1[i], p1[i]);
      }
    }
  }
}

TEST(PermutationMutation, SwapExchangesExactlyTwoPositions) {
  Rng rng = Rng::for_master(2, 0);
  for (int trial = 0; trial < 100; ++trial) {
    const std::size_t n = 2 + static_cast<std::size_t>(trial % 7);
    const std::vector<double> before = random_permutation(n, rng);
    std::vector<double> after = before;
    mutate_swap(after, rng);
    ASSERT_TRUE(is_permutation(after));
    int differing = 0;
    for (std::size_t i = 0; i < n; ++i) differing += before[i] != after[i] ? 1 : 0;
    EXPECT_EQ(differing, 2);
  }
}

TEST(PermutationMutation, InversionReversesTheDrawnSlice) {
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    Rng rng = Rng::for_master(seed, 0);
    std::vector<double> genes = {0, 1, 2, 3, 4, 5, 6};
    Rng draws = rng;
    mutate_inversion(genes, rng);
    const auto i = static_cast<std::size_t>(draws.below(7));
    const auto j = static_cast<std::size_t>(draws.below(7));
    std::vector<double> expected = {0, 1, 2, 3, 4, 5, 6};
    std::reverse(expected.begin() + static_cast<std::ptrdiff_t>(std::min(i, j)),
                 expected.begin() + static_cast<std::ptrdiff_t>(std::max(i, j)));
    EXPECT_EQ(genes, expected);
  }
}

TEST(PermutationMutation, ShuffleIndexesKeepsAPermutation) {
  Rng rng = Rng::for_master(3, 0);
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<double> genes = random_permutation(2 + static_cast<std::size_t>(trial % 9), rng);
    const std::vector<double> before = genes;
    mutate_shuffle_indexes(genes, 0.3, rng);
    EXPECT_TRUE(is_permutation(genes));
    mutate_shuffle_indexes(genes = before, 0.0, rng);
    EXPECT_EQ(genes, before);
  }
  std::vector<double> two = {0, 1};
  mutate_shuffle_indexes(two, 1.0, rng);  // position 0 swaps with 1, then 1 with 0
  EXPECT_EQ(two, (std::vector<double>{0, 1}));
}

TEST(PermutationOperators, OneElementIsLeftAloneAndNothingDrawn) {
  Rng rng = Rng::for_master(4, 0);
  const Rng before = rng;
  std::vector<double> a = {0};
  std::vector<double> b = {0};
  crossover_ordered(a, b, rng);
  mutate_swap(a, rng);
  mutate_shuffle_indexes(a, 1.0, rng);
  EXPECT_EQ(a, std::vector<double>{0});
  EXPECT_EQ(rng.state(), before.state());
}

TEST(PermutationOperators, SameRngStateGivesTheSameChildren) {
  for (int op = 0; op < 5; ++op) {
    std::vector<std::vector<double>> results;
    for (int run = 0; run < 2; ++run) {
      Rng rng = Rng::for_master(99, 0);
      std::vector<double> a = random_permutation(15, rng);
      std::vector<double> b = random_permutation(15, rng);
      switch (op) {
        case 0:
          crossover_ordered(a, b, rng);
          break;
        case 1:
          crossover_pmx(a, b, rng);
          break;
        case 2:
          mutate_swap(a, rng);
          break;
        case 3:
          mutate_inversion(a, rng);
          break;
        default:
          mutate_shuffle_indexes(a, 0.2, rng);
          break;
      }
      a.insert(a.end(), b.begin(), b.end());
      results.push_back(a);
    }
    EXPECT_EQ(results[0], results[1]) << "operator " << op;
  }
}

TEST(PermutationOperators, RefuseAGenomeThatIsNotAPermutation) {
  Rng rng = Rng::for_master(5, 0);
  std::vector<double> repeated = {0, 1, 1};
  std::vector<double> fine = {0, 1, 2};
  EXPECT_THAT(
      [&] { crossover_pmx(repeated, fine, rng); },
      ThrowsMessage<common::Error>(HasSubstr("crossover_pmx: genome is not a permutation")));
  std::vector<double> fractional = {0, 1.5, 2};
  EXPECT_THROW(mutate_swap(fractional, rng), common::Error);
}

}  // namespace
}  // namespace evo::master
