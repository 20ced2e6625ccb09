// The job queue under real mpirun: results land by task index whatever the batch size,
// prefetch depth or rank count, and worker RNG states round-trip.
#include <gtest/gtest.h>

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
