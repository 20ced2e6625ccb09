#include "master/cmaes_termination.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace evo::master {
namespace {

// A well-conditioned 3-D state (C = I, sigma = sigma0 = 1) after `iteration` updates, with
// `history` as the fitness history: no criterion holds unless a test changes something.
struct State {
  Eigen::VectorXd mean = Eigen::VectorXd::Constant(3, 1.0);
  Eigen::MatrixXd c = Eigen::MatrixXd::Identity(3, 3);
  Eigen::MatrixXd b = Eigen::MatrixXd::Identity(3, 3);
  Eigen::VectorXd d = Eigen::VectorXd::Ones(3);
  Eigen::VectorXd pc = Eigen::VectorXd::Constant(3, 0.1);
  double sigma = 1.0;
  std::vector<double> fitness = {1.0, 2.0, 3.0, 4.0};
  bool condition_exceeded = false;
  FitnessHistory history;

  CmaesCriterion criterion(std::int64_t iteration = 5) const {
    return first_criterion(CmaesSnapshot{.n = 3,
                                         .lambda = 4,
                                         .sigma0 = 1.0,
                                         .sigma = sigma,
                                         .mean = mean,
                                         .c = c,
                                         .b = b,
                                         .d = d,
                                         .pc = pc,
                                         .iteration = iteration,
                                         .fitness = fitness,
                                         .condition_exceeded = condition_exceeded,
                                         .history = history});
  }
};

TEST(CmaesTermination, AHealthyStateHasNoCriterion) {
  State state;
  for (int i = 0; i < 5; ++i) state.history.push(10.0 - i, 20.0 - i);
  EXPECT_EQ(state.criterion(), CmaesCriterion::kNone);
}

TEST(CmaesTermination, FlatRecentBestsGiveTolFunOrTolFunHist) {
  // Window for n = 3, lambda = 4: 10 + ceil(90 / 4) = 33 generations.
  State state;
  for (int i = 0; i < 33; ++i) state.history.push(1.0, 2.0);
  EXPECT_EQ(state.criterion(33), CmaesCriterion::kTolFunHist);  // this generation still spreads
  state.fitness = {1.0, 1.0, 1.0, 1.0};
  EXPECT_EQ(state.criterion(33), CmaesCriterion::kTolFun);
  State short_history;
  for (int i = 0; i < 32; ++i) short_history.history.push(1.0, 2.0);
  short_history.fitness = {1.0, 1.0, 1.0, 1.0};
  EXPECT_EQ(short_history.criterion(32), CmaesCriterion::kNone);  // window not full yet
}

TEST(CmaesTermination, TinyStepsGiveTolX) {
  State state;
  state.sigma = 1e-12;  // sigma * sqrt(C_ii) and sigma * |pc_i| below 1e-11 sigma0
  EXPECT_EQ(state.criterion(), CmaesCriterion::kTolX);
}

TEST(CmaesTermination, SigmaCreepingUpWhileCShrinksGivesTolUpSigma) {
  State state;
  state.d = Eigen::VectorXd::Constant(3, 1e-11);
  state.c = Eigen::MatrixXd::Identity(3, 3) * 1e-22;
  state.sigma = 1e10;  // sigma / max(D) = 1e21 > 1e20 sigma0
  EXPECT_EQ(state.criterion(), CmaesCriterion::kTolUpSigma);
}

TEST(CmaesTermination, ConditionBoundHitGivesConditionCov) {
  State state;
  state.condition_exceeded = true;
  EXPECT_EQ(state.criterion(), CmaesCriterion::kConditionCov);
}

TEST(CmaesTermination, StepsBelowTheMeansPrecisionGiveNoEffect) {
  State axis;
  axis.mean = Eigen::VectorXd::Constant(3, 1e20);  // 0.1 sigma along every axis is lost
  EXPECT_EQ(axis.criterion(), CmaesCriterion::kNoEffectAxis);
  State coordinate;
  coordinate.mean(2) = 1e20;  // only coordinate 2 is beyond the reach of 0.2 sigma
  coordinate.b = Eigen::MatrixXd::Identity(3, 3);
  EXPECT_EQ(coordinate.criterion(/*iteration=*/0), CmaesCriterion::kNoEffectCoord);  // axis 0
}

TEST(CmaesTermination, EveryCriterionHasADistinctName) {
  std::vector<std::string_view> names;
  for (std::int64_t code = 0; code < kCmaesCriterionCount; ++code) {
    const auto criterion = static_cast<CmaesCriterion>(code);
    EXPECT_NE(criterion_name(criterion), "unknown");
    EXPECT_NE(criterion_meaning(criterion), "unknown");
    for (const std::string_view name : names) EXPECT_NE(name, criterion_name(criterion));
    names.push_back(criterion_name(criterion));
  }
}

TEST(FitnessHistory, StagnationComparesTheEndsOfTheWindow) {
  FitnessHistory history;
  // n = 10, lambda = 10: the window is 120 + 30 = 150 generations.
  for (int i = 0; i < 149; ++i) history.push(1.0, 2.0);
  EXPECT_FALSE(history.stagnates(10, 10, 149));  // too short yet
  history.push(1.0, 2.0);
  EXPECT_TRUE(history.stagnates(10, 10, 150));  // flat: no better at the end
  FitnessHistory improving;
  for (int i = 0; i < 150; ++i) improving.push(1000.0 - i, 2000.0 - i);
  EXPECT_FALSE(improving.stagnates(10, 10, 150));
}

TEST(FitnessHistory, KeepsTheNewestValuesOnly) {
  FitnessHistory history;
  for (std::size_t i = 0; i < kMaxFitnessHistory + 5; ++i) {
    history.push(static_cast<double>(i), 0.0);
  }
  EXPECT_EQ(history.size(), kMaxFitnessHistory);
  EXPECT_EQ(history.best().front(), 5.0);
}

}  // namespace
}  // namespace evo::master
