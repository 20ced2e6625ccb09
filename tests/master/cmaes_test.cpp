#include "master/cmaes.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <span>

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
  // A flat function stalls at once (TolFun): each restart doubles lambda, at most twice; the
  // third stall ends the run.
  Cmaes cmaes(config_for(4, "cmaes_restarts = 2\n"));
  common::Rng rng = common::Rng::for_master(1, 0);
  common::Population population = cmaes.initial_population(rng);
  population.fitness_of(0)[0] = 1.0;
  cmaes.accept(std::move(population), rng);
  const std::size_t first_lambda = cmaes.lambda();
  int generations = 0;
  for (; generations < 200 && !cmaes.termination(); ++generations) {
    common::Population samples = cmaes.breed(rng);
    EXPECT_EQ(samples.size(), cmaes.lambda());
    for (std::size_t i = 0; i < samples.size(); ++i) samples.fitness_of(i)[0] = 1.0;
    cmaes.accept(std::move(samples), rng);
  }
  EXPECT_LT(generations, 200);
  EXPECT_EQ(cmaes.restarts_done(), 2);
  EXPECT_EQ(cmaes.lambda(), 4 * first_lambda);
  ASSERT_TRUE(cmaes.termination());
  EXPECT_EQ(cmaes.termination()->criterion, "tolfun");
  EXPECT_EQ(cmaes.last_criterion(), CmaesCriterion::kTolFun);
  EXPECT_THROW((void)cmaes.breed(rng), common::Error);  // the master never breeds after the end
}

// Runs `cmaes` on `fitness` until it terminates or `limit` generations pass; every sample
// and every state number must stay finite on the way.
template <class Fitness>
int run_to_termination(Cmaes& cmaes, common::Rng& rng, Fitness fitness, int limit) {
  common::Population population = cmaes.initial_population(rng);
  population.fitness_of(0)[0] = fitness(population.genome(0));
  cmaes.accept(std::move(population), rng);
  int generations = 0;
  for (; generations < limit && !cmaes.termination(); ++generations) {
    common::Population samples = cmaes.breed(rng);
    for (std::size_t i = 0; i < samples.size(); ++i) {
      for (const double gene : samples.genome(i)) {
        EXPECT_TRUE(std::isfinite(gene)) << "generation " << generations;
      }
      samples.fitness_of(i)[0] = fitness(samples.genome(i));
    }
    cmaes.accept(std::move(samples), rng);
    for (const auto& [name, values] : cmaes.save_state().reals) {
      for (const double value : values) {
        EXPECT_TRUE(std::isfinite(value)) << name << " in generation " << generations;
      }
    }
  }
  return generations;
}

TEST(Cmaes, ReproductionOfTheNanBreakdownEndsWithACriterion) {
  // Issue 14 item 8: 10-D Rastrigin, seed 2, 20000 generations drove C singular and every
  // sample NaN. Now a criterion ends the run long before, with every number finite.
  const auto config = common::parse_config(
      "[problem]\nname = \"rastrigin\"\ndimension = 10\n[algorithm]\nname = \"cmaes\"\n", "test");
  Cmaes cmaes(config);
  common::Rng rng = common::Rng::for_master(2, 0);
  const auto rastrigin = [](std::span<const double> x) {
    double sum = 10.0 * static_cast<double>(x.size());
    for (const double v : x) sum += v * v - 10.0 * std::cos(2 * M_PI * v);
    return sum;
  };
  const int generations = run_to_termination(cmaes, rng, rastrigin, 20000);
  EXPECT_LT(generations, 20000);
  ASSERT_TRUE(cmaes.termination());
}

TEST(Cmaes, ADegenerateFitnessGivesACriterionNeverNan) {
  // The fitness depends on coordinate 0 only: C collapses along it while the other axes
  // grow, so its condition explodes; and a ridge-free constant region follows. Each case must
  // end with a named criterion, never a non-finite number.
  const auto one_coordinate = [](std::span<const double> x) { return x[0] * x[0]; };
  const auto needle = [](std::span<const double> x) { return std::abs(x[0]) < 1e-3 ? 0.0 : 1.0; };
  for (int seed = 1; seed <= 3; ++seed) {
    Cmaes a(config_for(6));
    common::Rng rng = common::Rng::for_master(static_cast<std::uint64_t>(seed), 0);
    EXPECT_LT(run_to_termination(a, rng, one_coordinate, 20000), 20000) << "seed " << seed;
    ASSERT_TRUE(a.termination());
    EXPECT_NE(a.termination()->criterion, "none");
    Cmaes b(config_for(6));
    EXPECT_LT(run_to_termination(b, rng, needle, 20000), 20000) << "seed " << seed;
    ASSERT_TRUE(b.termination());
  }
}

TEST(Cmaes, TinySigmaStateGivesTolXAndTheStateStaysValid) {
  // A state driven to a tiny sigma (as after a long convergence), restored from a
  // checkpoint: the next update reports TolX instead of sampling on.
  const auto config = config_for(3);
  Cmaes cmaes(config);
  common::Rng rng = common::Rng::for_master(5, 0);
  common::Population population = cmaes.initial_population(rng);
  evaluate_sphere(population);
  cmaes.accept(std::move(population), rng);
  common::AlgorithmState state = cmaes.save_state();
  state.reals["sigma"] = {1e-200};
  cmaes.restore_state(state, cmaes.population());
  common::Population samples = cmaes.breed(rng);
  evaluate_sphere(samples);
  cmaes.accept(std::move(samples), rng);
  ASSERT_TRUE(cmaes.termination());
  EXPECT_EQ(cmaes.termination()->criterion, "tolx");
  EXPECT_GT(cmaes.sigma(), 0);
}

TEST(Cmaes, SingularCovarianceIsBoundedNotInverted) {
  // C with an exactly zero eigenvalue (the breakdown of issue 14): the next
  // eigendecomposition lifts it to largest / 1e14 and reports conditioncov; C^-1/2 stays
  // finite and so do the samples and the step size.
  const auto config = config_for(3);
  Cmaes cmaes(config);
  common::Rng rng = common::Rng::for_master(6, 0);
  common::Population population = cmaes.initial_population(rng);
  evaluate_sphere(population);
  cmaes.accept(std::move(population), rng);
  common::AlgorithmState state = cmaes.save_state();
  // No variance at all along coordinate 2: the samples do not move in it, so the update
  // keeps C(2, 2) = 0 exactly.
  state.reals["covariance"] = {1, 0, 0, 0, 1, 0, 0, 0, 0};
  state.reals["sqrt_eigenvalues"] = {1, 1, 0};
  state.integers["eigeneval"] = {0};
  state.integers["counteval"] = {1000};  // the next update decomposes C
  cmaes.restore_state(state, cmaes.population());
  common::Population samples = cmaes.breed(rng);
  evaluate_sphere(samples);
  cmaes.accept(std::move(samples), rng);
  ASSERT_TRUE(cmaes.termination());
  EXPECT_EQ(cmaes.termination()->criterion, "conditioncov");
  const auto saved = cmaes.save_state();
  for (const auto& [name, values] : saved.reals) {
    for (const double value : values) EXPECT_TRUE(std::isfinite(value)) << name;
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(cmaes.covariance());
  EXPECT_GT(solver.eigenvalues().minCoeff(), 0);
  EXPECT_LE(solver.eigenvalues().maxCoeff() / solver.eigenvalues().minCoeff(),
            1.01 * kMaxCondition);
}

TEST(Cmaes, AnUpdateThatWouldOverflowIsDiscarded) {
  // Samples far beyond what sigma could produce (e.g. a fitness that rewards 1e300): the
  // update would overflow; it is discarded, the state stays finite, the criterion says so.
  Cmaes cmaes(config_for(3));
  common::Rng rng = common::Rng::for_master(8, 0);
  common::Population population = cmaes.initial_population(rng);
  evaluate_sphere(population);
  cmaes.accept(std::move(population), rng);
  const Eigen::VectorXd mean_before = cmaes.mean();
  common::Population samples = cmaes.breed(rng);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    for (double& gene : samples.genome(i)) gene = 1e300;
    samples.fitness_of(i)[0] = static_cast<double>(i);
  }
  cmaes.accept(std::move(samples), rng);
  ASSERT_TRUE(cmaes.termination());
  EXPECT_EQ(cmaes.termination()->criterion, "nonfinite");
  EXPECT_EQ(cmaes.mean(), mean_before);
}

TEST(Cmaes, CriterionAndHistoryRoundTripThroughTheState) {
  Cmaes cmaes(config_for(4, "cmaes_restarts = 1\n"));
  common::Rng rng = common::Rng::for_master(1, 0);
  common::Population population = cmaes.initial_population(rng);
  population.fitness_of(0)[0] = 1.0;
  cmaes.accept(std::move(population), rng);
  while (cmaes.last_criterion() == CmaesCriterion::kNone) {
    common::Population samples = cmaes.breed(rng);
    for (std::size_t i = 0; i < samples.size(); ++i) samples.fitness_of(i)[0] = 1.0;
    cmaes.accept(std::move(samples), rng);
  }
  EXPECT_FALSE(cmaes.termination());  // a restart is pending instead
  Cmaes restored(config_for(4, "cmaes_restarts = 1\n"));
  restored.restore_state(cmaes.save_state(), cmaes.population());
  EXPECT_EQ(restored.last_criterion(), cmaes.last_criterion());
  EXPECT_EQ(restored.save_state().reals, cmaes.save_state().reals);
  EXPECT_EQ(restored.save_state().integers, cmaes.save_state().integers);
}

}  // namespace
}  // namespace evo::master
