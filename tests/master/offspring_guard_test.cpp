#include "master/offspring_guard.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "common/error.hpp"

namespace evo::master {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

common::Config config_for(const std::string& algorithm, const std::string& genome = "") {
  return common::parse_config(
      fmt::format("[problem]\nname = \"sphere\"\ndimension = 3\n[genome]\nlower = -1\nupper = "
                  "1\n{}\n[algorithm]\nname = \"{}\"\n",
                  genome, algorithm),
      "test");
}

// Two unevaluated candidates of dimension 3 holding `genes`, row after row.
common::Population candidates(const std::vector<double>& genes) {
  common::Population population(genes.size() / 3, 3, 1);
  population.genes = genes;
  return population;
}

TEST(OffspringGuard, AcceptsGenomesInsideTheBox) {
  const OffspringGuard guard(config_for("simple"));
  EXPECT_NO_THROW(guard.check(candidates({-1, 0, 1, 0.5, -0.5, 0}), 4));
}

TEST(OffspringGuard, NamesAlgorithmGenerationAndIndexOfANonFiniteGene) {
  const OffspringGuard guard(config_for("de"));
  EXPECT_THAT(
      [&] {
        guard.check(candidates({0, 0, 0, 0, kNaN, 0}), 7);
      },
      ThrowsMessage<common::Error>(
          HasSubstr("algorithm de produced a non-finite / out-of-bounds genome at "
                    "generation 7 index 1: column 1 holds nan")));
  try {
    guard.check(candidates({0, std::numeric_limits<double>::infinity(), 0}), 2);
    FAIL() << "no throw";
  } catch (const common::Error& error) {
    EXPECT_EQ(error.exit_code(), common::kExitFailure);  // an internal bug: exit 1
  }
}

TEST(OffspringGuard, RefusesAGeneOutsideTheBounds) {
  const OffspringGuard guard(config_for("simple"));
  EXPECT_THAT(
      [&] {
        guard.check(candidates({0, 0, 1.5}), 1);
      },
      ThrowsMessage<common::Error>(
          HasSubstr("generation 1 index 0: column 2 holds 1.5, outside genome bounds")));
}

TEST(OffspringGuard, LetsCmaesSamplesLeaveTheBoxButNotX0) {
  // As the checkpoint validator: CMA-ES evaluates its unbounded samples; only x0 (generation
  // 0) is drawn inside the box. Non-finite is refused either way.
  const OffspringGuard guard(config_for("cmaes"));
  EXPECT_NO_THROW(guard.check(candidates({5, -7, 0}), 3));
  EXPECT_THAT(
      [&] {
        guard.check(candidates({5, 0, 0}), 0);
      },
      ThrowsMessage<common::Error>(HasSubstr("algorithm cmaes produced")));
  EXPECT_THAT(
      [&] {
        guard.check(candidates({5, kNaN, 0}), 3);
      },
      ThrowsMessage<common::Error>(HasSubstr("column 1 holds nan")));
}

TEST(OffspringGuard, SkipsCandidatesAlreadyEvaluated) {
  // Elites keep their fitness; they were checked when they were bred.
  const OffspringGuard guard(config_for("simple"));
  common::Population population = candidates({0, 0, 0, 9, 9, 9});
  population.fitness_of(1)[0] = 1.0;
  EXPECT_NO_THROW(guard.check(population, 2));
}

TEST(OffspringGuard, ChecksTheGenomeTypesOwnValues) {
  const OffspringGuard integer(config_for("simple", "type = \"integer\""));
  EXPECT_THAT(
      [&] {
        integer.check(candidates({0, 0.5, 1}), 1);
      },
      ThrowsMessage<common::Error>(HasSubstr("not a whole number")));
  const OffspringGuard permutation(common::parse_config(
      "[problem]\nname = \"tsp_berlin52\"\n[algorithm]\nname = \"simple\"\n", "test"));
  common::Population tour(1, 52, 1);
  for (std::size_t j = 0; j < 52; ++j) tour.genes[j] = static_cast<double>(51 - j);
  EXPECT_NO_THROW(permutation.check(tour, 1));
  tour.genes[0] = tour.genes[1];
  EXPECT_THAT([&] { permutation.check(tour, 1); },
              ThrowsMessage<common::Error>(HasSubstr("is not a permutation of 0 .. 51")));
}

TEST(OffspringGuard, ChecksOneSteadyStateBirth) {
  const OffspringGuard guard(config_for("steady_state"));
  const std::vector<double> genes = {0, 2, 0};
  EXPECT_THAT([&] { guard.check_one(genes, 5, 123); },
              ThrowsMessage<common::Error>(HasSubstr(
                  "algorithm steady_state produced a non-finite / out-of-bounds genome at "
                  "generation 5 index 123")));
}

}  // namespace
}  // namespace evo::master
