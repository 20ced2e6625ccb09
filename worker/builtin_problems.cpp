// The built-in benchmark problems. Pure functions of the genome, except noisy_sphere, whose
// noise is a pure function of the evaluation's (seed, job, generation, index): the same
// task gives the same fitness on any worker and any rank count.
#include "worker/builtin_problems.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <thread>
#include <utility>

#include "common/rng.hpp"
#include "worker/multiobjective_problems.hpp"

namespace evo::worker {
namespace {

using Objective = double (*)(std::span<const double>);

class BuiltinEvaluator : public common::Evaluator {
 public:
  BuiltinEvaluator(std::string name, Objective objective, const common::ProblemConfig& problem,
                   double noise_sigma)
      : name_(std::move(name)),
        objective_(objective),
        dimension_(static_cast<std::size_t>(problem.dimension)),
        delay_ms_(problem.delay_ms),
        noise_sigma_(noise_sigma) {}

  int objectives() const override { return 1; }

  common::EvalOutcome evaluate(std::span<const double> genome, const common::EvalContext& context,
                               std::span<double> fitness) override {
    if (delay_ms_ > 0) {
      std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(delay_ms_));
    }
    for (double& value : fitness) value = std::numeric_limits<double>::quiet_NaN();
    if (fitness.size() != 1) {
      return {common::EvalStatus::kFailed,
              fmt::format("{}: room for {} objectives, the problem has 1", name_, fitness.size())};
    }
    if (genome.size() != dimension_) {
      return {common::EvalStatus::kFailed,
              fmt::format("{}: genome has {} genes, problem.dimension is {}", name_, genome.size(),
                          dimension_)};
    }
    double value = objective_(genome);
    if (noise_sigma_ != 0) {
      common::Rng rng =
          common::Rng::for_evaluation(context.seed, context.job, context.generation, context.index);
      value += noise_sigma_ * rng.normal();
    }
    fitness[0] = value;
    return {};
  }

 private:
  std::string name_;
  Objective objective_;
  std::size_t dimension_;
  double delay_ms_;
  double noise_sigma_;  // 0 for the noiseless problems
};

}  // namespace

double sphere(std::span<const double> x) {
  double sum = 0;
  for (double xi : x) sum += xi * xi;
  return sum;
}

double rastrigin(std::span<const double> x) {
  double sum = 10.0 * static_cast<double>(x.size());
  for (double xi : x) sum += xi * xi - 10.0 * std::cos(2.0 * std::numbers::pi * xi);
  return sum;
}

double rosenbrock(std::span<const double> x) {
  double sum = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    const double a = x[i + 1] - x[i] * x[i];
    const double b = 1.0 - x[i];
    sum += 100.0 * a * a + b * b;
  }
  return sum;
}

double ackley(std::span<const double> x) {
  constexpr double kA = 20.0;
  constexpr double kB = 0.2;
  constexpr double kC = 2.0 * std::numbers::pi;
  if (x.empty()) return 0;
  const double n = static_cast<double>(x.size());
  double squares = 0;
  double cosines = 0;
  for (double xi : x) {
    squares += xi * xi;
    cosines += std::cos(kC * xi);
  }
  // Grouped as (a - a e^..) + (e - e^..) so that the optimum evaluates to exactly 0.
  const double e = std::exp(1.0);
  return (kA - kA * std::exp(-kB * std::sqrt(squares / n))) + (e - std::exp(cosines / n));
}

const std::vector<std::string_view>& builtin_problem_names() {
  static const std::vector<std::string_view> names = {"sphere", "rastrigin",    "rosenbrock",
                                                      "ackley", "noisy_sphere", "zdt1",
                                                      "zdt2",   "zdt3",         "dtlz2"};
  return names;
}

std::unique_ptr<common::Evaluator> make_builtin_evaluator(const common::ProblemConfig& problem) {
  const std::string& name = problem.name;
  if (name == "sphere") return std::make_unique<BuiltinEvaluator>(name, sphere, problem, 0.0);
  if (name == "rastrigin") {
    return std::make_unique<BuiltinEvaluator>(name, rastrigin, problem, 0.0);
  }
  if (name == "rosenbrock") {
    return std::make_unique<BuiltinEvaluator>(name, rosenbrock, problem, 0.0);
  }
  if (name == "ackley") return std::make_unique<BuiltinEvaluator>(name, ackley, problem, 0.0);
  if (name == "noisy_sphere") {
    return std::make_unique<BuiltinEvaluator>(name, sphere, problem, problem.noise_sigma);
  }
  return make_multiobjective_evaluator(problem);
}

}  // namespace evo::worker
