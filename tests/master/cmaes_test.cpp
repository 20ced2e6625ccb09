#include "master/cmaes.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.hpp"
#include "tests/master/sphere_fitness.hpp"

namespace evo::master {
namespace {

common::Config config_for(int dimension, const std::string& extra = "") {
  return common::parse_config(fmt::format("[problem]\nname = \"sphere\"\ndimension = {}\n"
                                          "[algorithm]\nname = \"cmaes\"\n{}",
                                          dimension, extra),
                              "test");
}

double best_of(const common::Population& population) {
  double best = population.fitness_of(0)[0];
  for (std::size_t i = 1; i < population.size(); ++i) {
    best = std::min(best, population.fitness_of(i)[0]);
  }
  return best;
}

TEST(Cmaes, DefaultPopulationComesFromTheDimension) {
  // lambda = 4 + floor(3 ln n), mu = lambda / 2.
  EXPECT_EQ(Cmaes(config_for(10)).lambda(), 10u);
  EXPECT_EQ(Cmaes(config_for(10)).mu(), 5u);
  EXPECT_EQ(Cmaes(config_for(2)).lambda(), 6u);
  EXPECT_EQ(Cmaes(config_for(100)).lambda(), 17u);
  EXPECT_EQ(Cmaes(config_for(10, "lambda = 20\nmu = 4\n")).mu(), 4u);
}

TEST(Cmaes, ConvergesOnTheSphere) {
  Cmaes cmaes(config_for(10));
  common::Rng rng = common::Rng::for_master(3, 0);
  common::Population initial = cmaes.initial_population(rng);
  ASSERT_EQ(initial.size(), 1u);  // x0 alone
  evaluate_sphere(initial);
  const double start = best_of(initial);
  cmaes.accept(std::move(initial), rng);
  double best = start;
  int generations = 0;
  while (best > 1e-10 && generations < 400) {
    common::Population samples = cmaes.breed(rng);
    ASSERT_EQ(samples.size(), 10u);
    evaluate_sphere(samples);
    best = std::min(best, best_of(samples));
    cmaes.accept(std::move(samples), rng);
    ++generations;
  }
  // The sphere in 10-D needs about 1500 evaluations to 1e-10 (linear convergence).
  EXPECT_LE(best, 1e-10) << "after " << generations << " generations";
  EXPECT_LT(generations, 400);
  EXPECT_LT(cmaes.sigma(), 1e-3);  // the step size shrank with the distance to the optimum
  // On the sphere C stays close to a multiple of I: its condition number is small.
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(cmaes.covariance());
  EXPECT_LT(solver.eigenvalues().maxCoeff() / solver.eigenvalues().minCoeff(), 10.0);
}

TEST(Cmaes, StateRoundTripContinuesBitIdentically) {
  const auto config = config_for(5);
  Cmaes original(config);
  common::Rng rng = common::Rng::for_master(7, 0);
  common::Population population = original.initial_population(rng);
  evaluate_sphere(population);
  original.accept(std::move(population), rng);
  for (int g = 0; g < 30; ++g) {  // past several eigendecompositions
    common::Population samples = original.breed(rng);
    evaluate_sphere(samples);
    original.accept(std::move(samples), rng);
  }
  Cmaes restored(config);
  restored.restore_state(original.save_state(), original.population());
  common::Rng rng_copy = common::Rng::from_state(rng.state());
  for (int g = 0; g < 10; ++g) {
    common::Population a = original.breed(rng);
    common::Population b = restored.breed(rng_copy);
    ASSERT_EQ(a.genes, b.genes) << "generation " << g;
    evaluate_sphere(a);
    evaluate_sphere(b);
    original.accept(std::move(a), rng);
    restored.accept(std::move(b), rng_copy);
  }
  EXPECT_EQ(original.save_state().reals, restored.save_state().reals);
  EXPECT_EQ(original.save_state().integers, restored.save_state().integers);
}

TEST(Cmaes, RestoreRefusesAnotherAlgorithmOrDimension) {
  Cmaes cmaes(config_for(5));
  common::AlgorithmState state = cmaes.save_state();
  state.name = "de";
  EXPECT_THROW(cmaes.restore_state(state, common::Population(1, 5, 1)), common::CheckpointError);
  common::Rng rng = common::Rng::for_master(1, 0);
  common::Population initial = cmaes.initial_population(rng);
  evaluate_sphere(initial);
  cmaes.accept(std::move(initial), rng);
  Cmaes other(config_for(6));
  EXPECT_THROW(other.restore_state(cmaes.save_state(), cmaes.population()),
               common::IncompatibleCheckpointError);
}

TEST(Cmaes, IpopRestartsWithDoubledPopulationAfterConvergence) {
  // A flat function stalls at once (TolFun): each restart doubles lambda, at most twice.
  Cmaes cmaes(config_for(4, "cmaes_restarts = 2\n"));
  common::Rng rng = common::Rng::for_master(1, 0);
  common::Population population = cmaes.initial_population(rng);
  population.fitness_of(0)[0] = 1.0;
  cmaes.accept(std::move(population), rng);
  const std::size_t first_lambda = cmaes.lambda();
  for (int g = 0; g < 200; ++g) {
    common::Population samples = cmaes.breed(rng);
    EXPECT_EQ(samples.size(), cmaes.lambda());
    for (std::size_t i = 0; i < samples.size(); ++i) samples.fitness_of(i)[0] = 1.0;
    cmaes.accept(std::move(samples), rng);
  }
  EXPECT_EQ(cmaes.restarts_done(), 2);
  EXPECT_EQ(cmaes.lambda(), 4 * first_lambda);
}

}  // namespace
}  // namespace evo::master
