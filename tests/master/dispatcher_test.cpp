// The dispatcher over the loopback transport, at several worker counts: results land by task
// index whatever the batching, failed attempts are retried (on another worker when there is
// one) and then given the failure fitness, a run above the failure share stops, the
// streaming path completes every task, on_idle stops a call, and a worker's error report
// ends the call. tests/mpi/dispatch_test.cpp proves the same machinery under mpirun.
#include "master/dispatcher.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <set>

#include "common/cancellation.hpp"
#include "common/error.hpp"
#include "common/loopback_transport.hpp"
#include "common/rng.hpp"
#include "tests/master/loopback_cluster.hpp"

namespace evo::master {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

common::Population random_population(std::size_t count, std::uint64_t seed) {
  common::Population population(count, 4, 1);
  common::Rng rng = common::Rng::for_master(seed, 0);
  for (double& gene : population.genes) gene = rng.uniform(-5, 5);
  return population;
}

void expect_sphere_everywhere(const common::Population& population) {
  for (std::size_t i = 0; i < population.size(); ++i) {
    ASSERT_EQ(population.fitness_of(i)[0], test::sphere(population.genome(i)))
        << "individual " << i;
  }
}

struct Shape {
  int workers;
  common::DispatchConfig settings;
};

void PrintTo(const Shape& shape, std::ostream* out) {
  *out << shape.workers << " workers, batch " << shape.settings.batch << ", in flight "
       << shape.settings.in_flight;
}

class DispatcherAtWorkerCounts : public ::testing::TestWithParam<Shape> {};

TEST_P(DispatcherAtWorkerCounts, StoresEveryResultByTaskIndex) {
  test::LoopbackCluster cluster(GetParam().workers);
  Dispatcher dispatcher(cluster.master(), nullptr, GetParam().settings);
  common::Population population = random_population(301, 5);
  population.fitness_of(17)[0] = -1.0;  // already evaluated: not sent

  const EvaluationOutcome outcome = dispatcher.evaluate(population, 1, 0, 3);

  EXPECT_EQ(outcome.evaluated, 300);
  EXPECT_FALSE(outcome.stopped);
  EXPECT_EQ(population.fitness_of(17)[0], -1.0);
  population.fitness_of(17)[0] = test::sphere(population.genome(17));
  expect_sphere_everywhere(population);
  EXPECT_EQ(cluster.ranks_of(3, 17).size(), 0U);
  std::int64_t tasks = 0;
  for (const WorkerStats& stats : dispatcher.worker_stats()) tasks += stats.tasks;
  EXPECT_EQ(tasks, 300);
}

TEST_P(DispatcherAtWorkerCounts, RetriesFailedAttemptsOnAnotherWorkerWhenThereIsOne) {
  // The first attempt of every fifth individual fails, wherever it runs.
  test::LoopbackCluster cluster(
      GetParam().workers, [](int, std::uint64_t, std::uint64_t index, int attempt) {
        return index % 5 == 0 && attempt == 0 ? std::optional(common::EvalStatus::kFailed)
                                              : std::nullopt;
      });
  Dispatcher dispatcher(cluster.master(), nullptr, GetParam().settings);
  common::Population population = random_population(200, 6);

  const EvaluationOutcome outcome = dispatcher.evaluate(population, 1, 0, 2);

  EXPECT_EQ(outcome.attempts_failed, 40);
  EXPECT_EQ(outcome.given_failure_fitness, 0);
  expect_sphere_everywhere(population);
  for (std::uint64_t index = 0; index < 200; index += 5) {
    const std::vector<int> ranks = cluster.ranks_of(2, index);
    ASSERT_EQ(ranks.size(), 2U) << "individual " << index;
    if (GetParam().workers > 1) {
      EXPECT_NE(ranks[0], ranks[1]) << "individual " << index;
    }
  }
}

TEST_P(DispatcherAtWorkerCounts, GivesTheFailureFitnessAfterEveryAttemptFailed) {
  test::LoopbackCluster cluster(
      GetParam().workers, [](int, std::uint64_t, std::uint64_t index, int) {
        return index == 7 ? std::optional(common::EvalStatus::kTimeout) : std::nullopt;
      });
  Dispatcher dispatcher(cluster.master(), nullptr, GetParam().settings,
                        FailurePolicy{2, 1e300, 0.5});
  common::Population population = random_population(50, 7);

  const EvaluationOutcome outcome = dispatcher.evaluate(population, 1, 0, 0);

  EXPECT_EQ(outcome.given_failure_fitness, 1);
  EXPECT_EQ(outcome.attempts_failed, 3);  // the first attempt and two retries
  EXPECT_EQ(population.fitness_of(7)[0], 1e300);
  EXPECT_EQ(cluster.ranks_of(0, 7).size(), 3U);
  EXPECT_EQ(dispatcher.failures_by_status()[static_cast<int>(common::EvalStatus::kTimeout)], 3);
  population.fitness_of(7)[0] = test::sphere(population.genome(7));
  expect_sphere_everywhere(population);
}

// A deterministic failure (the program's own non-zero exit) is not rerun by default: an
// expensive simulation that fails would fail three times. dispatch.retry_on brings it back.
TEST_P(DispatcherAtWorkerCounts, RetriesOnlyTheFailureClassesOfTheRetryPolicy) {
  const auto fails_at_seven = [](int, std::uint64_t, std::uint64_t index, int) {
    return index == 7 ? std::optional(common::EvalStatus::kNonZeroExit) : std::nullopt;
  };
  test::LoopbackCluster cluster(GetParam().workers, fails_at_seven);
  Dispatcher dispatcher(cluster.master(), nullptr, GetParam().settings,
                        FailurePolicy{2, 1e300, 0.5});
  common::Population population = random_population(50, 7);
  const EvaluationOutcome outcome = dispatcher.evaluate(population, 1, 0, 0);
  EXPECT_EQ(outcome.attempts_failed, 1);
  EXPECT_EQ(outcome.given_failure_fitness, 1);
  EXPECT_EQ(population.fitness_of(7)[0], 1e300);
  EXPECT_EQ(cluster.ranks_of(0, 7).size(), 1U);

  test::LoopbackCluster again(GetParam().workers, fails_at_seven);
  Dispatcher retrying(again.master(), nullptr, GetParam().settings,
                      FailurePolicy{2, 1e300, 0.5, {"non_zero_exit"}});
  common::Population second = random_population(50, 7);
  const EvaluationOutcome retried = retrying.evaluate(second, 1, 0, 0);
  EXPECT_EQ(retried.attempts_failed, 3);
  EXPECT_EQ(again.ranks_of(0, 7).size(), 3U);
}

TEST_P(DispatcherAtWorkerCounts, StopsTheRunAboveTheFailureShare) {
  test::LoopbackCluster cluster(
      GetParam().workers, [](int, std::uint64_t, std::uint64_t index, int) {
        return index % 10 < 6 ? std::optional(common::EvalStatus::kGarbage) : std::nullopt;
      });
  Dispatcher dispatcher(cluster.master(), nullptr, GetParam().settings,
                        FailurePolicy{0, 1e300, 0.5});
  common::Population population = random_population(40, 8);
  EXPECT_THAT([&] { dispatcher.evaluate(population, 1, 0, 4); },
              ThrowsMessage<common::EvaluationError>(HasSubstr("garbage")));
}

// A relaunch completes a generation whose first half came from the journal: the share is
// of the whole generation, as in the run that was never interrupted.
TEST_P(DispatcherAtWorkerCounts, CountsEarlierResultsInTheFailureShare) {
  test::LoopbackCluster cluster(
      GetParam().workers, [](int, std::uint64_t, std::uint64_t index, int) {
        return index % 10 < 4 ? std::optional(common::EvalStatus::kGarbage) : std::nullopt;
      });
  Dispatcher dispatcher(cluster.master(), nullptr, GetParam().settings,
                        FailurePolicy{0, 1e300, 0.5});
  common::Population population = random_population(40, 8);  // 40% of these fail
  EXPECT_NO_THROW(dispatcher.evaluate(population, 1, 0, 4, {}, EarlierResults{40, 20}));
  common::Population again = random_population(40, 8);
  EXPECT_THAT(
      [&] {
        dispatcher.evaluate(again, 1, 0, 4, {}, EarlierResults{40, 30});
      },
      ThrowsMessage<common::EvaluationError>(
          AllOf(HasSubstr("46 of 80 evaluations in generation 4"),
                HasSubstr("30 of them among the 40 taken from a checkpoint or the journal"))));
  // Everything came from the journal: nothing is dispatched, the policy still applies.
  common::Population done = random_population(4, 8);
  for (std::size_t i = 0; i < done.size(); ++i) done.fitness_of(i)[0] = 1e300;
  EXPECT_THAT(
      [&] {
        dispatcher.evaluate(done, 1, 0, 4, {}, EarlierResults{4, 3});
      },
      ThrowsMessage<common::EvaluationError>(HasSubstr("3 of 4 evaluations")));
}

// A stream of `count` tasks handed out one at a time, as steady-state algorithms do.
class SphereStream : public TaskStream {
 public:
  explicit SphereStream(std::size_t count) : population_(random_population(count, 9)) {}
  std::optional<std::uint64_t> next_task() override {
    if (next_ == population_.size()) return std::nullopt;
    return next_++;
  }
  std::span<const double> genome(std::uint64_t id) const override { return population_.genome(id); }
  std::uint64_t generation_of(std::uint64_t id) const override { return id / 10; }
  void complete(std::uint64_t id, std::span<const double> fitness, bool failed) override {
    EXPECT_FALSE(done_.contains(id)) << "task " << id << " completed twice";
    done_.insert(id);
    population_.fitness_of(id)[0] = fitness[0];
    failed_ += failed ? 1 : 0;
  }
  bool finished() const override { return done_.size() == population_.size(); }
  std::size_t batch_scale() const override { return population_.size(); }

  const common::Population& population() const { return population_; }
  int failed() const { return failed_; }

 private:
  common::Population population_;
  std::size_t next_ = 0;
  std::set<std::uint64_t> done_;
  int failed_ = 0;
};

TEST_P(DispatcherAtWorkerCounts, StreamCompletesEveryTaskAndRetriesFailures) {
  test::LoopbackCluster cluster(
      GetParam().workers, [](int, std::uint64_t, std::uint64_t index, int attempt) {
        return index % 7 == 3 && attempt == 0 ? std::optional(common::EvalStatus::kSignaled)
                                              : std::nullopt;
      });
  Dispatcher dispatcher(cluster.master(), nullptr, GetParam().settings);
  SphereStream stream(150);
  std::size_t reported = 0;
  EvaluationHooks hooks;
  hooks.on_results = [&](std::span<const std::uint64_t> ids) { reported += ids.size(); };

  const EvaluationOutcome outcome = dispatcher.evaluate_stream(stream, 1, 0, hooks);

  EXPECT_TRUE(stream.finished());
  EXPECT_EQ(reported, 150U);
  EXPECT_EQ(outcome.attempts_failed, 21);
  EXPECT_EQ(stream.failed(), 0);
  expect_sphere_everywhere(stream.population());
  // Each task is evaluated in the generation it counts in (its per-evaluation randomness),
  // and a retry runs on another worker than the failed attempt when there is one.
  for (const test::Attempt& attempt : cluster.attempts()) {
    EXPECT_EQ(attempt.generation, attempt.index / 10);
  }
  for (std::uint64_t id = 3; id < 150; id += 7) {
    const std::vector<int> ranks = cluster.ranks_of(id / 10, id);
    ASSERT_EQ(ranks.size(), 2U) << "task " << id;
    if (GetParam().workers > 1) {
      EXPECT_NE(ranks[0], ranks[1]) << "task " << id;
    }
  }
}

TEST_P(DispatcherAtWorkerCounts, OnIdleStopsTheCallAndALaterCallStillStoresByIndex) {
  test::LoopbackCluster cluster(GetParam().workers);
  Dispatcher dispatcher(cluster.master(), nullptr, GetParam().settings);
  common::Population population = random_population(400, 10);
  bool results_seen = false;
  EvaluationHooks hooks;
  hooks.on_results = [&](std::span<const std::uint64_t>) { results_seen = true; };
  hooks.on_idle = [&] { return results_seen ? IdleAction::kStop : IdleAction::kContinue; };

  const EvaluationOutcome stopped = dispatcher.evaluate(population, 1, 0, 5, hooks);

  EXPECT_TRUE(stopped.stopped);
  EXPECT_LT(stopped.evaluated, 400);
  // The next call (e.g. after a checkpoint) evaluates what is left, whatever the abandoned
  // batches bring back meanwhile.
  const EvaluationOutcome rest = dispatcher.evaluate(population, 1, 0, 5);
  EXPECT_EQ(stopped.evaluated + rest.evaluated, 400);
  expect_sphere_everywhere(population);
}

TEST_P(DispatcherAtWorkerCounts, AWorkersErrorReportEndsTheCallNamingTheRank) {
  test::LoopbackCluster cluster(GetParam().workers);
  cluster.fail_worker_with_error(1);
  Dispatcher dispatcher(cluster.master(), nullptr, GetParam().settings);
  common::Population population = random_population(100, 11);
  EXPECT_THAT([&] { dispatcher.evaluate(population, 1, 0, 0); },
              ThrowsMessage<common::Error>(HasSubstr("rank 1")));
}

// A single rank's evaluator that waits as an emulated simulation does (interruptibly), and
// raises the stop after `evaluations_before_stop` evaluations, as a signal would.
class SlowLocalEvaluator : public common::Evaluator {
 public:
  explicit SlowLocalEvaluator(int evaluations_before_stop) : left_(evaluations_before_stop) {}
  int objectives() const override { return 1; }
  common::EvalOutcome evaluate(std::span<const double> genome, const common::EvalContext&,
                               std::span<double> fitness) override {
    if (left_-- == 0) stop = true;
    if (!common::sleep_unless_cancelled(stop ? 60 : 0)) {
      return {common::EvalStatus::kFailed, common::kAbandonedDetail};
    }
    fitness[0] = test::sphere(genome);
    return {};
  }
  bool stop = false;

 private:
  int left_;
};

// With one rank the master evaluates itself: a stop gives up the evaluation in progress
// (no 60 s wait), which is neither a failure nor a result, and on_idle then stops the call.
TEST(DispatcherAlone, AStopAbandonsTheEvaluationInProgress) {
  common::LoopbackNetwork network(1);
  SlowLocalEvaluator evaluator(3);
  Dispatcher dispatcher(network.endpoint(0), &evaluator, {}, FailurePolicy{2, 1e300, 0.5});
  common::Population population = random_population(10, 12);
  std::vector<std::uint64_t> results;
  EvaluationHooks hooks;
  hooks.on_results = [&](std::span<const std::uint64_t> indices) {
    results.insert(results.end(), indices.begin(), indices.end());
  };
  hooks.stop_requested = [&] { return evaluator.stop; };
  hooks.on_idle = [&] { return evaluator.stop ? IdleAction::kStop : IdleAction::kContinue; };

  const EvaluationOutcome outcome = dispatcher.evaluate(population, 1, 0, 0, hooks);

  EXPECT_TRUE(outcome.stopped);
  EXPECT_EQ(outcome.evaluated, 3);
  EXPECT_EQ(outcome.attempts_failed, 0);
  EXPECT_EQ(outcome.given_failure_fitness, 0);
  EXPECT_EQ(results, (std::vector<std::uint64_t>{0, 1, 2}));
  for (std::size_t i = 3; i < population.size(); ++i) EXPECT_FALSE(population.evaluated(i)) << i;
  EXPECT_EQ(common::cancellation_check_interval(), 0) << "the check outlived the call";
}

// The same in steady state: the task given up on is not completed (it stays in flight, so a
// checkpoint keeps it for the restart), and nothing counts as failed.
TEST(DispatcherAlone, AStopAbandonsTheStreamedTaskInProgress) {
  common::LoopbackNetwork network(1);
  SlowLocalEvaluator evaluator(3);
  Dispatcher dispatcher(network.endpoint(0), &evaluator, {}, FailurePolicy{2, 1e300, 0.5});
  SphereStream stream(10);
  EvaluationHooks hooks;
  hooks.stop_requested = [&] { return evaluator.stop; };
  hooks.on_idle = [&] { return evaluator.stop ? IdleAction::kStop : IdleAction::kContinue; };

  const EvaluationOutcome outcome = dispatcher.evaluate_stream(stream, 1, 0, hooks);

  EXPECT_TRUE(outcome.stopped);
  EXPECT_EQ(outcome.evaluated, 3);
  EXPECT_EQ(outcome.attempts_failed, 0);
  EXPECT_EQ(stream.failed(), 0);
  EXPECT_FALSE(stream.population().evaluated(3));
  EXPECT_EQ(common::cancellation_check_interval(), 0) << "the check outlived the call";
}

INSTANTIATE_TEST_SUITE_P(Workers, DispatcherAtWorkerCounts,
                         ::testing::Values(Shape{1, {0, 2}}, Shape{2, {0, 2}},
                                           Shape{4, {0, 2}},    // automatic batches
                                           Shape{2, {1, 1}},    // one task a message
                                           Shape{4, {16, 3}}),  // packed, deep
                         [](const ::testing::TestParamInfo<Shape>& shape) {
                           return fmt::format("w{}_batch{}_inflight{}", shape.param.workers,
                                              shape.param.settings.batch,
                                              shape.param.settings.in_flight);
                         });

}  // namespace
}  // namespace evo::master
