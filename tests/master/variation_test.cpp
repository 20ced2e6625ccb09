#include "master/variation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "common/error.hpp"

namespace evo::master {
namespace {

using common::Rng;

common::Config config_of(const std::string& toml) { return common::parse_config(toml, "t.toml"); }

bool valid(const std::vector<double>& genome, const common::Config& config) {
  const std::string& type = config.genome.type;
  if (type == "permutation") {
    std::vector<double> sorted = genome;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (sorted[i] != static_cast<double>(i)) return false;
    }
    return true;
  }
  for (double gene : genome) {
    if (gene < config.genome.lower || gene > config.genome.upper) return false;
    if (type != "real" && gene != std::floor(gene)) return false;
  }
  return true;
}

// Each genome type with each of its operators: many generations of random crossover and
// mutation keep every genome in its domain, and the same seed gives the same genomes.
TEST(Variation, EveryGenomeTypeAndOperatorStaysInItsDomain) {
  const std::vector<std::string> configs = {
      "[problem]\nname = \"onemax\"\ndimension = 9\n[algorithm]\ncrossover = \"one_point\"\n",
      "[problem]\nname = \"onemax\"\ndimension = 9\n[algorithm]\ncrossover = \"uniform\"\n",
      "[problem]\nname = \"knapsack\"\ndimension = 2\n",
      "[genome]\ntype = \"integer\"\nlower = -3\nupper = 4\n[problem]\ndimension = 7\n",
      "[genome]\ntype = \"integer\"\nlower = -3\nupper = 4\n[problem]\ndimension = 7\n"
      "[algorithm]\nmutation = \"creep\"\ncreep_step = 2\ncrossover = \"uniform\"\n",
      "[problem]\nname = \"tsp_berlin52\"\n",
      "[problem]\nname = \"tsp_berlin52\"\n[algorithm]\ncrossover = \"pmx\"\nmutation = "
      "\"inversion\"\n",
      "[problem]\nname = \"command\"\ndimension = 2\n[command]\nargv = [\"x\"]\n[genome]\ntype "
      "= \"permutation\"\n[algorithm]\nmutation = \"swap\"\n",
      "[problem]\nname = \"griewank\"\ndimension = 5\n[algorithm]\ncrossover = \"two_point\"\n",
      "[problem]\ndimension = 1\n",
  };
  for (const std::string& toml : configs) {
    const common::Config config = config_of(toml);
    const Variation variation(config);
    const auto dimension = static_cast<std::size_t>(config.problem.dimension);
    std::vector<std::vector<double>> finals;
    for (int run = 0; run < 2; ++run) {
      Rng rng = Rng::for_master(11, 0);
      std::vector<double> a(dimension);
      std::vector<double> b(dimension);
      variation.initialize(a, rng);
      variation.initialize(b, rng);
      ASSERT_TRUE(valid(a, config)) << toml;
      for (int generation = 0; generation < 200; ++generation) {
        variation.crossover(a, b, rng);
        variation.mutate(a, rng);
        ASSERT_TRUE(valid(a, config)) << toml;
        ASSERT_TRUE(valid(b, config)) << toml;
      }
      a.insert(a.end(), b.begin(), b.end());
      finals.push_back(a);
    }
    EXPECT_EQ(finals[0], finals[1]) << toml;
  }
}

TEST(Variation, InitialIntegerGenesReachBothBounds) {
  const common::Config config = config_of("[genome]\ntype = \"integer\"\nlower = -2\nupper = 2\n");
  const Variation variation(config);
  Rng rng = Rng::for_master(1, 0);
  std::vector<double> genome(30);
  std::set<double> seen;
  for (int i = 0; i < 20; ++i) {
    variation.initialize(genome, rng);
    seen.insert(genome.begin(), genome.end());
  }
  EXPECT_EQ(seen, (std::set<double>{-2, -1, 0, 1, 2}));
}

TEST(Variation, AnOperatorThatDoesNotFitTheGenomeIsAProgrammingError) {
  // The config refuses these; a Config built by hand must not slip through silently.
  common::Config config = config_of("[problem]\nname = \"tsp_berlin52\"\n");
  config.algorithm.crossover = "sbx";
  Rng rng = Rng::for_master(1, 0);
  std::vector<double> a(52);
  std::vector<double> b(52);
  const Variation variation(config);
  variation.initialize(a, rng);
  variation.initialize(b, rng);
  EXPECT_THROW(variation.crossover(a, b, rng), common::Error);
  config.genome.type = "tree";
  EXPECT_THROW(Variation{config}, common::Error);
}

}  // namespace
}  // namespace evo::master
