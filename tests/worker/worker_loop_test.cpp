// A worker's evaluation of one task batch: the block path of cheap built-in problems gives
// exactly what one-by-one evaluation gives, failures included.
#include "worker/worker_loop.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/messages.hpp"
#include "common/rng.hpp"
#include "tests/worker/problem_config.hpp"
#include "worker/evaluator_factory.hpp"

namespace evo::worker {
namespace {

using ::testing::HasSubstr;

common::TaskBatch random_tasks(std::size_t count, std::uint32_t dimension) {
  common::TaskBatch batch;
  batch.job = 1;
  batch.generation = 4;
  batch.dimension = dimension;
  common::Rng rng = common::Rng::for_master(11, 0);
  for (std::size_t k = 0; k < count; ++k) {
    batch.indices.push_back(100 + 3 * k);
    for (std::uint32_t d = 0; d < dimension; ++d) batch.genes.push_back(rng.uniform(-5, 5));
  }
  return batch;
}

// Evaluates `batch` as a worker does, and returns what the master receives.
common::ResultBatch evaluate_as_worker(common::Evaluator& evaluator,
                                       const common::TaskBatch& batch) {
  common::Bytes tasks;
  common::Bytes results;
  common::pack_tasks(batch, tasks);
  const common::TaskBatchView view(tasks);
  common::ResultPacker packer(results, static_cast<std::uint32_t>(evaluator.objectives()),
                              view.size());
  evaluate_tasks(evaluator, 7, view, packer);
  packer.finish(0, {});
  common::ResultBatch received;
  common::unpack_results(results, received);
  return received;
}

// The same, one evaluate_guarded() per task: the reference.
common::ResultBatch evaluate_one_by_one(common::Evaluator& evaluator,
                                        const common::TaskBatch& batch) {
  common::ResultBatch expected;
  expected.objectives = static_cast<std::uint32_t>(evaluator.objectives());
  expected.indices = batch.indices;
  expected.fitness.resize(batch.size() * expected.objectives);
  for (std::size_t k = 0; k < batch.size(); ++k) {
    const common::EvalOutcome outcome = common::evaluate_guarded(
        evaluator, batch.genome(k), {7, batch.job, batch.generation, batch.indices[k]},
        std::span(expected.fitness).subspan(k * expected.objectives, expected.objectives));
    expected.statuses.push_back(static_cast<std::uint8_t>(outcome.status));
    if (outcome.status != common::EvalStatus::kOk) expected.details.push_back(outcome.detail);
  }
  return expected;
}

void expect_same(const common::ResultBatch& got, const common::ResultBatch& expected) {
  EXPECT_EQ(got.indices, expected.indices);
  EXPECT_EQ(got.statuses, expected.statuses);
  EXPECT_EQ(got.details, expected.details);
  ASSERT_EQ(got.fitness.size(), expected.fitness.size());
  for (std::size_t k = 0; k < got.fitness.size(); ++k) {
    if (got.statuses[k / got.objectives] == 0) {
      EXPECT_EQ(got.fitness[k], expected.fitness[k]) << k;
    }
  }
}

TEST(WorkerEvaluation, BlockPathGivesWhatOneByOneGives) {
  for (const char* name : {"sphere", "rastrigin", "rosenbrock", "noisy_sphere", "zdt1"}) {
    const auto evaluator = make_evaluator(config_for(name, 6));
    common::TaskBatch batch = random_tasks(25, 6);
    for (double& gene : batch.genes) gene = std::abs(gene) / 5;  // zdt1's domain is [0, 1]
    expect_same(evaluate_as_worker(*evaluator, batch), evaluate_one_by_one(*evaluator, batch));
  }
}

TEST(WorkerEvaluation, ANonFiniteValueInABlockIsClassifiedLikeAlone) {
  const auto evaluator = make_evaluator(config_for("sphere", 4));
  common::TaskBatch batch = random_tasks(10, 4);
  batch.genes[3 * 4] = 1e200;  // task 3: its square overflows to infinity
  const common::ResultBatch got = evaluate_as_worker(*evaluator, batch);
  expect_same(got, evaluate_one_by_one(*evaluator, batch));
  EXPECT_EQ(got.statuses[3], static_cast<std::uint8_t>(common::EvalStatus::kNonFinite));
  ASSERT_EQ(got.details.size(), 1U);
  EXPECT_THAT(got.details[0], HasSubstr("objective 0 is inf"));
}

TEST(WorkerEvaluation, TasksInABlockWithGapsAreEvaluatedRunByRun) {
  // As the master sends a generation: a block of 12 members, of which 3, 7 and 8 need no
  // evaluation; member 5's genome overflows to a non-finite fitness.
  const auto evaluator = make_evaluator(config_for("sphere", 3));
  common::TaskBatch block = random_tasks(12, 3);
  block.genes[5 * 3 + 1] = -1e200;
  const std::vector<common::TaskRun> runs = {{500, 0, 3}, {504, 4, 3}, {509, 9, 3}};
  common::Bytes wire;
  common::TaskPacker packer(wire, block.job, block.generation, 3, runs, 12);
  packer.set_rows(0, block.genes);
  common::TaskBatch expected_tasks{block.job, block.generation, 3, {}, {}};
  for (const std::uint64_t row : {0U, 1U, 2U, 4U, 5U, 6U, 9U, 10U, 11U}) {
    expected_tasks.indices.push_back(500 + row);
    const auto genome = block.genome(row);
    expected_tasks.genes.insert(expected_tasks.genes.end(), genome.begin(), genome.end());
  }

  const common::TaskBatchView view(wire);
  common::Bytes results;
  common::ResultPacker result_packer(results, 1, view.size());
  evaluate_tasks(*evaluator, 7, view, result_packer);
  result_packer.finish(0, {});
  common::ResultBatch got;
  common::unpack_results(results, got);
  expect_same(got, evaluate_one_by_one(*evaluator, expected_tasks));
  EXPECT_EQ(got.statuses[4], static_cast<std::uint8_t>(common::EvalStatus::kNonFinite));
}

// A block path that throws halfway: every task is evaluated again one by one.
class ThrowingBlock : public common::Evaluator {
 public:
  int objectives() const override { return 1; }
  common::EvalOutcome evaluate(std::span<const double> genome, const common::EvalContext&,
                               std::span<double> fitness) override {
    if (genome[0] < 0) return {common::EvalStatus::kFailed, "negative first gene"};
    fitness[0] = genome[0];
    return {};
  }
  bool evaluate_block(std::span<const double>, std::size_t, std::span<double> fitness) override {
    fitness[0] = -1;
    throw std::runtime_error("block path broke");
  }
};

TEST(WorkerEvaluation, ABlockPathThatThrowsFallsBackToOneByOne) {
  ThrowingBlock evaluator;
  const common::TaskBatch batch = random_tasks(12, 2);
  const common::ResultBatch got = evaluate_as_worker(evaluator, batch);
  expect_same(got, evaluate_one_by_one(evaluator, batch));
  EXPECT_FALSE(got.details.empty());  // some first genes are negative
}

}  // namespace
}  // namespace evo::worker
