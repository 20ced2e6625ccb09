#include "worker/builtin_problems.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/problem_catalog.hpp"
#include "common/rng.hpp"
#include "tests/worker/problem_config.hpp"
#include "worker/evaluator_factory.hpp"

namespace evo::worker {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

struct Evaluated {
  common::EvalOutcome outcome;
  double fitness;
};

Evaluated evaluate(const std::string& name, const std::vector<double>& genome,
                   common::EvalContext context = {}) {
  const auto evaluator = make_evaluator(config_for(name, static_cast<int>(genome.size())));
  double fitness = 0;
  common::EvalOutcome outcome = evaluator->evaluate(genome, context, {&fitness, 1});
  return {outcome, fitness};
}

double value_of(const std::string& name, const std::vector<double>& genome) {
  const Evaluated result = evaluate(name, genome);
  EXPECT_EQ(result.outcome.status, common::EvalStatus::kOk) << result.outcome.detail;
  return result.fitness;
}

TEST(BuiltinProblems, OptimaAreZero) {
  const std::vector<double> zeros(30, 0.0);
  const std::vector<double> ones(30, 1.0);
  EXPECT_EQ(value_of("sphere", zeros), 0.0);
  EXPECT_EQ(value_of("rastrigin", zeros), 0.0);
  EXPECT_NEAR(value_of("ackley", zeros), 0.0, 1e-12);
  EXPECT_EQ(value_of("rosenbrock", ones), 0.0);
}

TEST(BuiltinProblems, GriewankAndSchwefelAtKnownPoints) {
  EXPECT_EQ(value_of("griewank", std::vector<double>(10, 0.0)), 0.0);
  // 1 + 14/4000 - cos(1) cos(2/sqrt 2) cos(-3/sqrt 3), computed independently in Python.
  EXPECT_NEAR(value_of("griewank", {1, 2, -3}), 1.0170279701835736, 1e-14);
  // The optimum x_i = 420.9687462275036 evaluates to ~0; the origin to 418.98... n.
  EXPECT_NEAR(value_of("schwefel", std::vector<double>(10, 420.9687462275036)), 0.0, 1e-9);
  EXPECT_NEAR(value_of("schwefel", {0, 0, 0}), 3 * 418.9828872724338, 1e-9);
  EXPECT_NEAR(value_of("schwefel", {100, -200}), 1092.3654168582286, 1e-9);
}

TEST(BuiltinProblems, HandComputedPoints) {
  EXPECT_DOUBLE_EQ(value_of("sphere", {1, 2, 3}), 14.0);
  // 10 * 2 + (1 - 10 cos 2pi) + (4 - 10 cos 4pi) = 20 - 9 - 6.
  EXPECT_NEAR(value_of("rastrigin", {1, 2}), 5.0, 1e-12);
  // 10 + 0.25 - 10 cos(pi) = 20.25.
  EXPECT_NEAR(value_of("rastrigin", {0.5}), 20.25, 1e-12);
  // i = 0: 100 (2 - 1)^2 + 0; i = 1: 100 (3 - 4)^2 + (1 - 2)^2.
  EXPECT_DOUBLE_EQ(value_of("rosenbrock", {1, 2, 3}), 201.0);
  EXPECT_DOUBLE_EQ(value_of("rosenbrock", {0, 0}), 1.0);
  // sqrt(mean x^2) = 1 and mean cos(2 pi x) = 1: 20 - 20 e^-0.2 - e + e.
  EXPECT_NEAR(value_of("ackley", {1, 1}), 20.0 - 20.0 * std::exp(-0.2), 1e-12);
  EXPECT_NEAR(value_of("ackley", {1, 1}), 3.6253849384403627, 1e-12);
}

TEST(BuiltinProblems, NoisySphereIsDeterministicPerEvaluation) {
  const std::vector<double> genome = {1, 2, 3};
  const common::EvalContext context{42, 1, 7, 5};
  const Evaluated first = evaluate("noisy_sphere", genome, context);
  const Evaluated again = evaluate("noisy_sphere", genome, context);
  ASSERT_EQ(first.outcome.status, common::EvalStatus::kOk);
  EXPECT_EQ(first.fitness, again.fitness);

  // Exactly sphere + sigma * normal() of the evaluation's own stream.
  common::Rng rng = common::Rng::for_evaluation(42, 1, 7, 5);
  EXPECT_EQ(first.fitness, 14.0 + common::ProblemConfig{}.noise_sigma * rng.normal());
  EXPECT_NE(first.fitness, 14.0);

  const Evaluated next_index = evaluate("noisy_sphere", genome, {42, 1, 7, 6});
  const Evaluated next_generation = evaluate("noisy_sphere", genome, {42, 1, 8, 5});
  const Evaluated other_seed = evaluate("noisy_sphere", genome, {43, 1, 7, 5});
  EXPECT_NE(first.fitness, next_index.fitness);
  EXPECT_NE(first.fitness, next_generation.fitness);
  EXPECT_NE(first.fitness, other_seed.fitness);
}

TEST(BuiltinProblems, NoiseSigmaScalesTheNoise) {
  common::Config config = config_for("noisy_sphere", 2);
  config.problem.noise_sigma = 0;
  double fitness = 0;
  make_evaluator(config)->evaluate(std::vector<double>{1, 1}, {3, 0, 1, 2}, {&fitness, 1});
  EXPECT_EQ(fitness, 2.0);
}

TEST(BuiltinProblems, UnknownNameThrowsConfigErrorNamingTheKey) {
  EXPECT_THAT([] { make_evaluator(config_for("spherre", 3)); },
              ThrowsMessage<common::ConfigError>(AllOf(HasSubstr("problem.name"),
                                                       HasSubstr("unknown problem 'spherre'"),
                                                       HasSubstr("test.toml"))));
}

TEST(BuiltinProblems, DimensionMismatchFails) {
  const auto evaluator = make_evaluator(config_for("rastrigin", 3));
  double fitness = 0;
  const common::EvalOutcome outcome =
      evaluator->evaluate(std::vector<double>{1, 2}, {}, {&fitness, 1});
  EXPECT_EQ(outcome.status, common::EvalStatus::kFailed);
  EXPECT_THAT(outcome.detail, HasSubstr("2 genes"));
  EXPECT_THAT(outcome.detail, HasSubstr("problem.dimension is 3"));
}

TEST(BuiltinProblems, AgreeWithTheProblemCatalog) {
  for (std::string_view name : builtin_problem_names()) {
    const common::ProblemInfo* info = common::find_problem(name);
    ASSERT_NE(info, nullptr) << name << " is missing from common/problem_catalog.cpp";
    EXPECT_EQ(make_evaluator(config_for(std::string(name), 2))->objectives(), info->objectives)
        << name;
  }
  for (const common::ProblemInfo& info : common::all_problems()) {
    EXPECT_NE(make_builtin_evaluator(config_for(std::string(info.name), 2).problem), nullptr)
        << info.name << " is in the catalog but not built in";
  }
}

TEST(BuiltinProblems, DelaySleepsPerEvaluation) {
  common::Config config = config_for("sphere", 2);
  config.problem.delay_ms = 20;
  const auto evaluator = make_evaluator(config);
  double fitness = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) evaluator->evaluate(std::vector<double>{1, 1}, {}, {&fitness, 1});
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(60));
  EXPECT_EQ(fitness, 2.0);
}

// The block path of the pure problems: the very values of evaluate(), with no per-genome
// call; declined where an evaluation needs its task (noise, delays) or a domain check.
TEST(BuiltinProblems, BlockEvaluationGivesTheValuesOfOneByOne) {
  common::Rng rng = common::Rng::for_master(5, 0);
  std::vector<double> genes(9 * 7);
  for (double& gene : genes) gene = rng.uniform(-30, 30);
  for (const char* name : {"sphere", "rastrigin", "rosenbrock", "ackley", "griewank", "schwefel"}) {
    const auto evaluator = make_evaluator(config_for(name, 7));
    std::vector<double> block(9, -1.0);
    ASSERT_TRUE(evaluator->evaluate_block(genes, 7, block)) << name;
    for (std::size_t k = 0; k < block.size(); ++k) {
      double alone = 0;
      evaluator->evaluate(std::span(genes).subspan(k * 7, 7), {}, {&alone, 1});
      EXPECT_EQ(block[k], alone) << name << " genome " << k;
    }
  }
}

TEST(BuiltinProblems, BlockEvaluationIsDeclinedWhereATaskNeedsItsContext) {
  const std::vector<double> genes(8, 0.0);
  std::vector<double> fitness(2);
  EXPECT_FALSE(make_evaluator(config_for("noisy_sphere", 4))->evaluate_block(genes, 4, fitness));
  EXPECT_FALSE(make_evaluator(config_for("onemax", 4))->evaluate_block(genes, 4, fitness));
  common::Config delayed = config_for("sphere", 4);
  delayed.problem.delay_ms = 1;
  EXPECT_FALSE(make_evaluator(delayed)->evaluate_block(genes, 4, fitness));
  // A genome length other than problem.dimension fails one by one, with its detail.
  EXPECT_FALSE(make_evaluator(config_for("sphere", 2))->evaluate_block(genes, 4, fitness));
}

}  // namespace
}  // namespace evo::worker
