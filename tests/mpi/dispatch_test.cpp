// The job queue under real mpirun: results land by task index whatever the batch size,
// prefetch depth or rank count, and worker RNG states round-trip.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "master/dispatcher.hpp"
#include "tests/mpi/mpi_harness.hpp"
#include "worker/evaluator_factory.hpp"

namespace evo::master {
namespace {

common::Population random_population(std::size_t count, std::uint64_t seed) {
  common::Population population(count, 5, 1);
  common::Rng rng = common::Rng::for_master(seed, 0);
  for (double& gene : population.genes) gene = rng.uniform(-5, 5);
  return population;
}

// The reference: every individual evaluated in-process, in index order.
common::Population evaluated_locally(common::Population population, std::uint64_t generation) {
  auto evaluator = worker::make_evaluator(test::test_config());
  for (std::size_t i = 0; i < population.size(); ++i) {
    const common::EvalContext context{test::test_config().run.seed, 0, generation, i};
    EXPECT_EQ(evaluator->evaluate(population.genome(i), context, population.fitness_of(i)).status,
              common::EvalStatus::kOk);
  }
  return population;
}

struct DispatchCase {
  int batch;
  int in_flight;
  std::size_t population;
};

class DispatchPlacement : public ::testing::TestWithParam<DispatchCase> {};

TEST_P(DispatchPlacement, StoresEveryResultByTaskIndex) {
  const DispatchCase c = GetParam();
  auto local = worker::make_evaluator(test::test_config());
  Dispatcher dispatcher(test::transport(), local.get(), {c.batch, c.in_flight});
  common::Population population = random_population(c.population, 42);
  // Some individuals already carry a fitness: they must not be evaluated again.
  for (std::size_t i = 0; i < population.size(); i += 7) population.fitness_of(i)[0] = -1.0;
  const common::Population expected = [&] {
    common::Population copy = population;
    for (std::size_t i = 0; i < copy.size(); i += 7) copy.invalidate(i);
    copy = evaluated_locally(copy, 3);
    for (std::size_t i = 0; i < copy.size(); i += 7) copy.fitness_of(i)[0] = -1.0;
    return copy;
  }();

  const EvaluationOutcome outcome =
      dispatcher.evaluate(population, test::test_config().run.seed, 0, 3);

  EXPECT_FALSE(outcome.stopped);
  EXPECT_EQ(outcome.evaluated, static_cast<std::int64_t>(c.population - (c.population + 6) / 7));
  ASSERT_EQ(population.fitness.size(), expected.fitness.size());
  for (std::size_t i = 0; i < population.size(); ++i) {
    EXPECT_EQ(population.fitness_of(i)[0], expected.fitness_of(i)[0]) << "individual " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    BatchSizes, DispatchPlacement,
    ::testing::Values(DispatchCase{0, 2, 500},     // automatic batch size
                      DispatchCase{1, 1, 50},      // one task per message, no prefetch
                      DispatchCase{1, 4, 97},      // deep prefetch
                      DispatchCase{64, 2, 1000},   // packed batches
                      DispatchCase{5000, 2, 300},  // a batch larger than the population
                      DispatchCase{0, 2, 1}));     // a single individual

// The second call knows the evaluation time: its batches ramp up from the smallest worth a
// message and then shrink again towards the end, and whole runs of consecutive members
// are packed as one block.
TEST(Dispatch, LaterCallsWithKnownTimingsStoreEveryResultByTaskIndex) {
  auto local = worker::make_evaluator(test::test_config());
  Dispatcher dispatcher(test::transport(), local.get(), {0, 2});
  common::Population population = random_population(3000, 11);
  dispatcher.evaluate(population, test::test_config().run.seed, 0, 3);
  for (std::size_t i = 0; i < population.size(); ++i) population.invalidate(i);
  population.fitness_of(1234)[0] = -1.0;  // one gap: no single block holds every member
  common::Population expected = population;
  expected.invalidate(1234);
  expected = evaluated_locally(expected, 4);
  expected.fitness_of(1234)[0] = -1.0;

  const EvaluationOutcome outcome =
      dispatcher.evaluate(population, test::test_config().run.seed, 0, 4);

  EXPECT_EQ(outcome.evaluated, 2999);
  for (std::size_t i = 0; i < population.size(); ++i) {
    ASSERT_EQ(population.fitness_of(i)[0], expected.fitness_of(i)[0]) << "individual " << i;
  }
}

TEST(Dispatch, CountsWorkPerWorker) {
  auto local = worker::make_evaluator(test::test_config());
  Dispatcher dispatcher(test::transport(), local.get(), {4, 2});
  common::Population population = random_population(200, 7);
  dispatcher.evaluate(population, 1, 0, 0);
  std::int64_t tasks = 0;
  for (const auto& stats : dispatcher.worker_stats()) tasks += stats.tasks;
  EXPECT_EQ(tasks, 200);
}

TEST(Dispatch, WorkerRngStatesComeBackWithResults) {
  auto local = worker::make_evaluator(test::test_config());
  Dispatcher dispatcher(test::transport(), local.get(), {});
  std::vector<common::Rng::State> states;
  for (int rank = 1; rank < test::transport().size(); ++rank) {
    common::Rng rng = common::Rng::for_worker(99, 2, rank);
    for (int k = 0; k < rank * 3; ++k) rng.next_u64();  // a mid-block position
    states.push_back(rng.state());
  }
  dispatcher.set_worker_rng(states);
  // A second dispatcher knows nothing of them: only the workers' results can tell it.
  Dispatcher fresh(test::transport(), local.get(), {});
  common::Population population = random_population(64, 9);
  fresh.evaluate(population, 1, 0, 0);
  EXPECT_EQ(fresh.worker_rng(), states);
}

TEST(Dispatch, StopsWhenAskedAndLeavesTheRestUnevaluated) {
  auto local = worker::make_evaluator(test::test_config());
  Dispatcher dispatcher(test::transport(), local.get(), {1, 1});
  common::Population population = random_population(200, 11);
  std::vector<std::uint64_t> journaled;
  EvaluationHooks hooks;
  hooks.on_results = [&](std::span<const std::uint64_t> indices) {
    journaled.insert(journaled.end(), indices.begin(), indices.end());
  };
  hooks.on_idle = [&] {
    return journaled.size() >= 10 ? IdleAction::kStop : IdleAction::kContinue;
  };
  const EvaluationOutcome outcome = dispatcher.evaluate(population, 1, 0, 0, hooks);
  EXPECT_TRUE(outcome.stopped);
  EXPECT_EQ(outcome.evaluated, static_cast<std::int64_t>(journaled.size()));
  std::size_t evaluated = 0;
  for (std::size_t i = 0; i < population.size(); ++i) evaluated += population.evaluated(i) ? 1 : 0;
  EXPECT_EQ(evaluated, journaled.size());
  EXPECT_LT(evaluated, population.size());
  // Results of abandoned batches may still arrive: drain them so later tests start clean.
  dispatcher.discard_abandoned();
  EXPECT_EQ(dispatcher.abandoned_batches(), 0);
}

}  // namespace
}  // namespace evo::master

namespace evo::master {
namespace {

// Fails the first `failures_per_individual` attempts of every individual whose index is a
// multiple of 5; counts attempts.
class FlakyEvaluator : public common::Evaluator {
 public:
  explicit FlakyEvaluator(int failures_per_individual) : failures_(failures_per_individual) {}
  int objectives() const override { return 1; }
  common::EvalOutcome evaluate(std::span<const double> genome, const common::EvalContext& context,
                               std::span<double> fitness) override {
    ++attempts_;
    if (context.index % 5 == 0 && seen_[context.index]++ < failures_) {
      return {common::EvalStatus::kFailed, "flaky on purpose"};
    }
    fitness[0] = genome[0];
    return {};
  }
  int attempts() const { return attempts_; }

 private:
  int failures_;
  int attempts_ = 0;
  std::map<std::uint64_t, int> seen_;
};

// The failure policy is the master's: exercised here with the in-process evaluator of a
// single-rank run (multi-rank: tests/e2e/command_test.sh with a failing program).
TEST(DispatchFailures, RetriesThenGivesTheFailureFitness) {
  if (test::transport().size() > 1) GTEST_SKIP() << "in-process evaluator only at -np 1";
  FlakyEvaluator flaky(/*failures_per_individual=*/1);
  Dispatcher dispatcher(test::transport(), &flaky, {}, FailurePolicy{2, 1e9, 0.5});
  common::Population population = random_population(20, 3);
  const EvaluationOutcome outcome = dispatcher.evaluate(population, 1, 0, 0);
  EXPECT_EQ(outcome.evaluated, 20);
  EXPECT_EQ(outcome.attempts_failed, 4);  // individuals 0, 5, 10, 15 failed once
  EXPECT_EQ(outcome.given_failure_fitness, 0);
  EXPECT_EQ(flaky.attempts(), 24);
  for (std::size_t i = 0; i < 20; ++i)
    EXPECT_EQ(population.fitness_of(i)[0], population.genome(i)[0]);
}

TEST(DispatchFailures, IndividualsThatAlwaysFailGetTheFailureFitness) {
  if (test::transport().size() > 1) GTEST_SKIP() << "in-process evaluator only at -np 1";
  FlakyEvaluator always(/*failures_per_individual=*/1000);
  Dispatcher dispatcher(test::transport(), &always, {}, FailurePolicy{2, 1e9, 0.5});
  common::Population population = random_population(20, 3);
  const EvaluationOutcome outcome = dispatcher.evaluate(population, 1, 0, 0);
  EXPECT_EQ(outcome.given_failure_fitness, 4);
  EXPECT_EQ(outcome.attempts_failed, 12);  // 3 attempts each
  for (std::size_t i = 0; i < 20; i += 5) EXPECT_EQ(population.fitness_of(i)[0], 1e9);
  EXPECT_EQ(population.fitness_of(1)[0], population.genome(1)[0]);
}

TEST(DispatchFailures, TooManyFailuresStopTheRunWithAReport) {
  if (test::transport().size() > 1) GTEST_SKIP() << "in-process evaluator only at -np 1";
  FlakyEvaluator always(1000);
  Dispatcher dispatcher(test::transport(), &always, {}, FailurePolicy{0, 1e9, 0.1});
  common::Population population = random_population(20, 3);
  EXPECT_THAT([&] { dispatcher.evaluate(population, 1, 0, 7); },
              ::testing::ThrowsMessage<common::EvaluationError>(::testing::AllOf(
                  ::testing::HasSubstr("4 of 20 evaluations in generation 7 failed"),
                  ::testing::HasSubstr("flaky on purpose"))));
}

}  // namespace
}  // namespace evo::master
