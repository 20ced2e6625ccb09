#include "master/differential_evolution.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/master/sphere_fitness.hpp"

namespace evo::master {
namespace {

common::Config config_with(const std::string& algorithm) {
  return common::parse_config(
      "[problem]\nname = \"sphere\"\ndimension = 6\n[algorithm]\nname = \"de\"\n"
      "population = 8\n" +
          algorithm,
      "test");
}

// A DE with its initial population accepted.
common::Population start(DifferentialEvolution& de, common::Rng& rng) {
  common::Population initial = de.initial_population(rng);
  evaluate_sphere(initial);
  de.accept(initial, rng);
  return initial;
}

TEST(DifferentialEvolution, WithCrZeroEachTrialDiffersFromItsTargetInExactlyOneGene) {
  DifferentialEvolution de(config_with("de_cr = 0\n"));
  common::Rng rng = common::Rng::for_master(1, 0);
  start(de, rng);
  const common::Population trials = de.breed(rng);
  ASSERT_EQ(trials.size(), 8u);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    EXPECT_FALSE(trials.evaluated(i));
    int changed = 0;
    for (std::size_t j = 0; j < 6; ++j)
      changed += trials.genome(i)[j] != de.population().genome(i)[j];
    EXPECT_EQ(changed, 1) << "trial " << i;
  }
}

TEST(DifferentialEvolution, TrialGenesAreMutantsOfThreeOtherMembersOrRedrawnInBounds) {
  // With CR = 1 every gene is v_j = x_r0 + F (x_r1 - x_r2) (or redrawn when outside the
  // bounds): check that some choice of three distinct members != i explains each trial.
  const auto config = config_with("de_cr = 1\nde_f = 0.5\n");
  DifferentialEvolution de(config);
  common::Rng rng = common::Rng::for_master(2, 0);
  const common::Population parents = start(de, rng);
  const common::Population trials = de.breed(rng);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    bool explained = false;
    for (std::size_t r0 = 0; r0 < 8 && !explained; ++r0) {
      for (std::size_t r1 = 0; r1 < 8 && !explained; ++r1) {
        for (std::size_t r2 = 0; r2 < 8 && !explained; ++r2) {
          if (r0 == i || r1 == i || r2 == i || r0 == r1 || r0 == r2 || r1 == r2) continue;
          bool all = true;
          for (std::size_t j = 0; j < 6; ++j) {
            const double v =
                parents.genome(r0)[j] + 0.5 * (parents.genome(r1)[j] - parents.genome(r2)[j]);
            const bool inside = v >= config.genome.lower && v <= config.genome.upper;
            all = all && (inside ? trials.genome(i)[j] == v : true);
          }
          explained = all;
        }
      }
    }
    EXPECT_TRUE(explained) << "trial " << i;
    for (double gene : trials.genome(i)) {
      EXPECT_GE(gene, config.genome.lower);
      EXPECT_LE(gene, config.genome.upper);
    }
  }
}

TEST(DifferentialEvolution, BestVariantUsesTheBestMemberAsBase) {
  const auto config = config_with("de_variant = \"best/1/bin\"\nde_cr = 1\nde_f = 0.5\n");
  DifferentialEvolution de(config);
  common::Rng rng = common::Rng::for_master(3, 0);
  const common::Population parents = start(de, rng);
  std::size_t best = 0;
  for (std::size_t i = 1; i < 8; ++i) {
    if (parents.fitness_of(i)[0] < parents.fitness_of(best)[0]) best = i;
  }
  const common::Population trials = de.breed(rng);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    bool explained = false;
    for (std::size_t r1 = 0; r1 < 8 && !explained; ++r1) {
      for (std::size_t r2 = 0; r2 < 8 && !explained; ++r2) {
        if (r1 == i || r2 == i || r1 == r2) continue;
        bool all = true;
        for (std::size_t j = 0; j < 6; ++j) {
          const double v =
              parents.genome(best)[j] + 0.5 * (parents.genome(r1)[j] - parents.genome(r2)[j]);
          if (v >= config.genome.lower && v <= config.genome.upper) {
            all = all && trials.genome(i)[j] == v;
          }
        }
        explained = all;
      }
    }
    EXPECT_TRUE(explained) << "trial " << i;
  }
}

TEST(DifferentialEvolution, ATrialReplacesItsTargetOnlyWhenAtLeastAsGood) {
  DifferentialEvolution de(config_with(""));
  common::Rng rng = common::Rng::for_master(4, 0);
  const common::Population parents = start(de, rng);
  common::Population trials = de.breed(rng);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    // Even trials better, odd worse, trial 2 exactly as good.
    const double target = parents.fitness_of(i)[0];
    trials.fitness_of(i)[0] = i == 2 ? target : (i % 2 == 0 ? target - 1 : target + 1);
  }
  de.accept(trials, rng);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const auto& expected = i % 2 == 0 ? trials : parents;
    EXPECT_TRUE(std::ranges::equal(de.population().genome(i), expected.genome(i))) << i;
    EXPECT_EQ(de.population().fitness_of(i)[0], expected.fitness_of(i)[0]) << i;
  }
}

}  // namespace
}  // namespace evo::master
