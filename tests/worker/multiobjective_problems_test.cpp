#include "worker/multiobjective_problems.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "worker/builtin_problems.hpp"

namespace evo::worker {
namespace {

std::vector<double> objectives_of(void (*function)(std::span<const double>, std::span<double>),
                                  const std::vector<double>& x, std::size_t count = 2) {
  std::vector<double> f(count);
  function(x, f);
  return f;
}

TEST(MultiObjectiveProblems, ZdtOnTheTrueFrontWhereTheTailIsZero) {
  // g = 1 when x_2..x_n = 0: f1 = x1 and f2 the front's curve.
  const std::vector<double> x = {0.25, 0, 0, 0};
  EXPECT_EQ(objectives_of(zdt1, x), (std::vector<double>{0.25, 0.5}));     // 1 - sqrt(0.25)
  EXPECT_EQ(objectives_of(zdt2, x), (std::vector<double>{0.25, 0.9375}));  // 1 - 0.25^2
  const double zdt3_f2 = 1 - 0.5 - 0.25 * std::sin(10 * std::numbers::pi * 0.25);
  EXPECT_DOUBLE_EQ(objectives_of(zdt3, x)[1], zdt3_f2);  // 0.25
}

TEST(MultiObjectiveProblems, ZdtOffTheFront) {
  // n = 3, x = (1, 1, 1): g = 1 + 9 * 2 / 2 = 10. ZDT1 f2 = 10 (1 - sqrt(0.1)).
  const std::vector<double> x = {1, 1, 1};
  EXPECT_DOUBLE_EQ(objectives_of(zdt1, x)[1], 10 * (1 - std::sqrt(0.1)));
  EXPECT_DOUBLE_EQ(objectives_of(zdt2, x)[1], 10 * (1 - 0.01));
  EXPECT_EQ(objectives_of(zdt1, x)[0], 1.0);
}

TEST(MultiObjectiveProblems, Dtlz2OnTheFrontLiesOnTheUnitSphere) {
  // x_m..x_n = 0.5 gives g = 0: sum of f_i^2 = 1, for 2, 3 and 5 objectives.
  for (std::size_t m : {2u, 3u, 5u}) {
    std::vector<double> x(m + 4, 0.5);
    x[0] = 0.3;
    if (m > 2) x[1] = 0.8;
    const auto f = objectives_of(dtlz2, x, m);
    double squares = 0;
    for (double value : f) squares += value * value;
    EXPECT_NEAR(squares, 1.0, 1e-12) << m << " objectives";
  }
  // Three objectives, x = (0, 0, 0.5...): f = (1, 0, 0); x1 = 1: f = (0, 0, 1) (up to rounding).
  const auto corner = objectives_of(dtlz2, {0, 0, 0.5, 0.5}, 3);
  EXPECT_DOUBLE_EQ(corner[0], 1.0);
  EXPECT_DOUBLE_EQ(corner[1], 0.0);
  EXPECT_DOUBLE_EQ(corner[2], 0.0);
  const auto top = objectives_of(dtlz2, {1, 0, 0.5, 0.5}, 3);
  EXPECT_NEAR(top[0], 0.0, 1e-15);
  EXPECT_DOUBLE_EQ(top[2], 1.0);
  // Off the front: g = 4 * 0.25 = 1 for the tail at 0 or 1, so the radius is 2.
  const auto off = objectives_of(dtlz2, {0, 0, 0, 1, 0, 1}, 3);
  EXPECT_DOUBLE_EQ(off[0], 2.0);
}

TEST(MultiObjectiveProblems, EvaluatorsReturnEveryObjectiveAndCheckTheDimension) {
  common::ProblemConfig problem;
  problem.name = "dtlz2";
  problem.dimension = 6;
  problem.objectives = 4;
  const auto evaluator = make_builtin_evaluator(problem);
  ASSERT_NE(evaluator, nullptr);
  EXPECT_EQ(evaluator->objectives(), 4);
  std::vector<double> f(4);
  EXPECT_EQ(evaluator->evaluate(std::vector<double>(6, 0.5), {}, f).status,
            common::EvalStatus::kOk);
  EXPECT_EQ(evaluator->evaluate(std::vector<double>(5, 0.5), {}, f).status,
            common::EvalStatus::kFailed);
  problem.name = "zdt3";
  EXPECT_EQ(make_builtin_evaluator(problem)->objectives(), 2);
  problem.name = "sphere";
  EXPECT_EQ(make_multiobjective_evaluator(problem), nullptr);
}

}  // namespace
}  // namespace evo::worker
