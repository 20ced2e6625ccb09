#include "master/steady_state.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/error.hpp"

namespace evo::master {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

common::Config config_with(const std::string& replacement, int population = 6,
                           int generations = 3) {
  return common::parse_config(
      fmt::format("[problem]\nname = \"sphere\"\ndimension = 3\n"
                  "[run]\ngenerations = {}\n"
                  "[algorithm]\nname = \"steady_state\"\npopulation = {}\nreplacement = \"{}\"\n",
                  generations, population, replacement),
      "test");
}

double sphere(std::span<const double> genome) {
  double sum = 0;
  for (double gene : genome) sum += gene * gene;
  return sum;
}

// Takes the next birth and inserts it with its sphere fitness (or `fitness` when given).
std::uint64_t evaluate_next(SteadyState& algorithm, common::Rng& rng, double fitness = -1) {
  const auto birth = algorithm.next_birth(rng);
  EXPECT_TRUE(birth.has_value());
  const double value = fitness >= 0 ? fitness : sphere(algorithm.genome(*birth));
  algorithm.insert(*birth, std::span(&value, 1), rng);
  return *birth;
}

std::multiset<double> fitness_values(const common::Population& population) {
  return {population.fitness.begin(), population.fitness.end()};
}

TEST(SteadyState, NumbersBirthsAndMakesNTimesGenerationsPlusOneInAll) {
  const auto config = config_with("worst", 6, 3);
  SteadyState algorithm(config);
  common::Rng rng = common::Rng::for_master(1, 0);
  EXPECT_EQ(algorithm.total_births(), 6 * 4);
  std::vector<std::uint64_t> births;
  while (!algorithm.finished()) births.push_back(evaluate_next(algorithm, rng));
  ASSERT_EQ(births.size(), 24u);
  for (std::size_t i = 0; i < births.size(); ++i) EXPECT_EQ(births[i], i);
  EXPECT_FALSE(algorithm.next_birth(rng).has_value()) << "no birth beyond the total";
  EXPECT_EQ(algorithm.population().size(), 6u);
  EXPECT_EQ(algorithm.generation_of(5), 0u);
  EXPECT_EQ(algorithm.generation_of(6), 1u);
}

TEST(SteadyState, WaitsWhenEveryInitialIndividualIsOutAndNoneIsBack) {
  SteadyState algorithm(config_with("worst", 4));
  common::Rng rng = common::Rng::for_master(1, 0);
  std::vector<std::uint64_t> out;
  for (int i = 0; i < 4; ++i) out.push_back(*algorithm.next_birth(rng));
  EXPECT_FALSE(algorithm.next_birth(rng).has_value()) << "nothing to breed from yet";
  const double value = 1.0;
  algorithm.insert(out[2], std::span(&value, 1), rng);
  // One member is enough to breed from while the population fills up.
  EXPECT_EQ(algorithm.next_birth(rng), 4u);
  EXPECT_EQ(algorithm.in_flight_count(), 4u);
}

TEST(SteadyState, InitialIndividualsAreWithinBoundsAndChildrenComeFromThePopulation) {
  const auto config = config_with("worst", 5);
  SteadyState algorithm(config);
  common::Rng rng = common::Rng::for_master(2, 0);
  for (int i = 0; i < 5; ++i) {
    const auto birth = *algorithm.next_birth(rng);
    for (double gene : algorithm.genome(birth)) {
      EXPECT_GE(gene, config.genome.lower);
      EXPECT_LT(gene, config.genome.upper);
    }
    const double value = sphere(algorithm.genome(birth));
    algorithm.insert(birth, std::span(&value, 1), rng);
  }
  const auto child = *algorithm.next_birth(rng);
  EXPECT_EQ(child, 5u);
  EXPECT_EQ(algorithm.genome(child).size(), 3u);
}

TEST(SteadyState, WorstReplacementTakesTheWorstSlotOnlyForABetterNewcomer) {
  SteadyState algorithm(config_with("worst", 4));
  common::Rng rng = common::Rng::for_master(3, 0);
  for (double value : {4.0, 1.0, 3.0, 2.0}) evaluate_next(algorithm, rng, value);
  EXPECT_EQ(fitness_values(algorithm.population()), (std::multiset<double>{1, 2, 3, 4}));
  evaluate_next(algorithm, rng, 5.0);  // worse than the worst: discarded
  EXPECT_EQ(fitness_values(algorithm.population()), (std::multiset<double>{1, 2, 3, 4}));
  evaluate_next(algorithm, rng, 0.5);  // replaces the 4
  EXPECT_EQ(fitness_values(algorithm.population()), (std::multiset<double>{0.5, 1, 2, 3}));
  EXPECT_EQ(algorithm.population().fitness_of(0)[0], 0.5) << "the 4 was in slot 0";
  evaluate_next(algorithm, rng, 2.5);  // replaces the 3
  EXPECT_EQ(fitness_values(algorithm.population()), (std::multiset<double>{0.5, 1, 2, 2.5}));
  EXPECT_EQ(algorithm.insertions(), 7);
}

TEST(SteadyState, TournamentReplacementInsertsEveryNewcomer) {
  SteadyState algorithm(config_with("tournament", 4));
  common::Rng rng = common::Rng::for_master(4, 0);
  for (double value : {4.0, 1.0, 3.0, 2.0}) evaluate_next(algorithm, rng, value);
  evaluate_next(algorithm, rng, 100.0);  // worse than all, still goes in
  const auto values = fitness_values(algorithm.population());
  EXPECT_EQ(values.count(100.0), 1u);
  EXPECT_EQ(values.size(), 4u);
}

TEST(SteadyState, MarksTheEndOfEveryGenerationOfNInsertions) {
  SteadyState algorithm(config_with("worst", 3, 2));
  common::Rng rng = common::Rng::for_master(5, 0);
  std::vector<std::int64_t> ends;
  while (!algorithm.finished()) {
    evaluate_next(algorithm, rng);
    if (algorithm.at_generation_end()) ends.push_back(algorithm.insertions());
  }
  EXPECT_EQ(ends, (std::vector<std::int64_t>{3, 6, 9}));
}

TEST(SteadyState, CheckpointKeepsInFlightIndividualsAndHandsThemOutFirstOnResume) {
  const auto config = config_with("worst", 4, 5);
  SteadyState algorithm(config);
  common::Rng rng = common::Rng::for_master(6, 0);
  for (int i = 0; i < 6; ++i) evaluate_next(algorithm, rng);
  // Three in flight, the middle one returns.
  const auto a = *algorithm.next_birth(rng);
  const auto b = *algorithm.next_birth(rng);
  const auto c = *algorithm.next_birth(rng);
  const double value = 0.25;
  algorithm.insert(b, std::span(&value, 1), rng);
  const std::vector<double> genome_a(algorithm.genome(a).begin(), algorithm.genome(a).end());
  const std::vector<double> genome_c(algorithm.genome(c).begin(), algorithm.genome(c).end());

  common::CheckpointState state;
  algorithm.save_into(state);
  EXPECT_EQ(state.in_progress.size(), 2u);
  EXPECT_EQ(
      state.algorithm.integers.at("in_flight_births"),
      (std::vector<std::int64_t>{static_cast<std::int64_t>(a), static_cast<std::int64_t>(c)}));
  EXPECT_EQ(state.algorithm.integers.at("births"), (std::vector<std::int64_t>{9}));
  EXPECT_EQ(state.algorithm.integers.at("insertions"), (std::vector<std::int64_t>{7}));

  SteadyState resumed(config);
  resumed.restore_from(state);
  EXPECT_EQ(resumed.insertions(), 7);
  EXPECT_EQ(resumed.population().genes, algorithm.population().genes);
  EXPECT_EQ(resumed.population().fitness, algorithm.population().fitness);
  common::Rng other = common::Rng::for_master(7, 0);
  EXPECT_EQ(resumed.next_birth(other), a);
  EXPECT_EQ(std::vector<double>(resumed.genome(a).begin(), resumed.genome(a).end()), genome_a);
  EXPECT_EQ(resumed.next_birth(other), c);
  EXPECT_EQ(std::vector<double>(resumed.genome(c).begin(), resumed.genome(c).end()), genome_c);
  EXPECT_EQ(resumed.next_birth(other), 9u) << "new births go on from the saved count";
  // Finishing from the checkpoint makes exactly the same number of insertions.
  std::int64_t inserted = 0;
  const double one = 1.0;
  for (std::uint64_t birth : {a, c, std::uint64_t{9}}) {
    resumed.insert(birth, std::span(&one, 1), other);
    ++inserted;
  }
  while (!resumed.finished()) {
    evaluate_next(resumed, other);
    ++inserted;
  }
  EXPECT_EQ(resumed.insertions(), 4 * 6);
  EXPECT_EQ(inserted, 4 * 6 - 7);
}

TEST(SteadyState, RejectsAnUnknownResultAndAnInconsistentCheckpoint) {
  const auto config = config_with("worst", 4);
  SteadyState algorithm(config);
  common::Rng rng = common::Rng::for_master(8, 0);
  const double value = 1.0;
  EXPECT_THAT([&] { algorithm.insert(42, std::span(&value, 1), rng); },
              ThrowsMessage<common::Error>(HasSubstr("not in flight")));
  algorithm.next_birth(rng);
  common::CheckpointState state;
  algorithm.save_into(state);
  state.algorithm.integers["births"] = {5};
  SteadyState other(config);
  EXPECT_THAT([&] { other.restore_from(state); },
              ThrowsMessage<common::CheckpointError>(HasSubstr("inconsistent")));
  state.algorithm.name = "simple";
  EXPECT_THAT([&] { other.restore_from(state); },
              ThrowsMessage<common::CheckpointError>(HasSubstr("'simple'")));
}

}  // namespace
}  // namespace evo::master
