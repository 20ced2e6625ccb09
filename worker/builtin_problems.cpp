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

#include "common/cancellation.hpp"
#include "common/rng.hpp"
#include "worker/combinatorial_problems.hpp"
#include "worker/multiobjective_problems.hpp"

namespace evo::worker {
namespace {

class BuiltinEvaluator : public common::Evaluator {
 public:
  BuiltinEvaluator(std::string name, Objective objective, const common::ProblemConfig& problem,
                   double noise_sigma, GenomeCheck check)
      : name_(std::move(name)),
        objective_(std::move(objective)),
        check_(std::move(check)),
        dimension_(static_cast<std::size_t>(problem.dimension)),
        delay_ms_(problem.delay_ms),
        exponential_delay_(problem.delay_distribution == "exponential"),
        noise_sigma_(noise_sigma) {}

  int objectives() const override { return 1; }

  common::EvalOutcome evaluate(std::span<const double> genome, const common::EvalContext& context,
                               std::span<double> fitness) override {
    if (delay_ms_ > 0) {
      // Interruptible: a stop from the master must not wait for an emulated simulation.
      if (!common::sleep_unless_cancelled(delay_for(context) / 1000)) {
        return {common::EvalStatus::kFailed, common::kAbandonedDetail};
      }
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
    if (check_) {
      if (std::string why = check_(genome); !why.empty()) {
        return {common::EvalStatus::kFailed, fmt::format("{}: {}", name_, why)};
      }
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

  bool evaluate_block(std::span<const double> genes, std::size_t dimension,
                      std::span<double> fitness) override {
    // Delays, noise and domain checks need the task or may fail: those go one by one.
    if (delay_ms_ > 0 || noise_sigma_ != 0 || check_ || dimension != dimension_ ||
        genes.size() != fitness.size() * dimension) {
      return false;
    }
    for (std::size_t k = 0; k < fitness.size(); ++k) {
      fitness[k] = objective_(genes.subspan(k * dimension, dimension));
    }
    return true;
  }

 private:
  // Exponential delays come from a stream of their own, keyed by the task like the noise:
  // the same evaluation sleeps as long on any worker, and the noise is left untouched.
  double delay_for(const common::EvalContext& context) const {
    if (!exponential_delay_) return delay_ms_;
    constexpr std::uint64_t kDelayStreamSalt = 0x6465'6c61'795f'6d73;  // "delay_ms"
    common::Rng rng = common::Rng::for_evaluation(context.seed ^ kDelayStreamSalt, context.job,
                                                  context.generation, context.index);
    return -delay_ms_ * std::log1p(-rng.uniform01());
  }

  std::string name_;
  Objective objective_;
  GenomeCheck check_;
  std::size_t dimension_;
  double delay_ms_;
  bool exponential_delay_;
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

double griewank(std::span<const double> x) {
  double squares = 0;
  double product = 1;
  for (std::size_t i = 0; i < x.size(); ++i) {
    squares += x[i] * x[i];
    product *= std::cos(x[i] / std::sqrt(static_cast<double>(i + 1)));
  }
  // Grouped so that the optimum (product exactly 1) evaluates to exactly 0.
  return squares / 4000.0 + (1.0 - product);
}

double schwefel(std::span<const double> x) {
  // The constant is the optimum's value 418.98288727243... to the 16 digits a double holds,
  // so the optimum evaluates to 0 up to rounding (|f| < 1e-9 n).
  constexpr double kShift = 418.9828872724338;
  double sum = 0;
  for (double xi : x) sum += xi * std::sin(std::sqrt(std::abs(xi)));
  return kShift * static_cast<double>(x.size()) - sum;
}

std::unique_ptr<common::Evaluator> make_objective_evaluator(std::string name, Objective objective,
                                                            const common::ProblemConfig& problem,
                                                            double noise_sigma, GenomeCheck check) {
  return std::make_unique<BuiltinEvaluator>(std::move(name), std::move(objective), problem,
                                            noise_sigma, std::move(check));
}

const std::vector<std::string_view>& builtin_problem_names() {
  static const std::vector<std::string_view> names = {
      "sphere", "rastrigin", "rosenbrock",   "ackley", "noisy_sphere", "griewank", "schwefel",
      "onemax", "knapsack",  "tsp_berlin52", "zdt1",   "zdt2",         "zdt3",     "dtlz2"};
  return names;
}

std::unique_ptr<common::Evaluator> make_builtin_evaluator(const common::ProblemConfig& problem) {
  const std::string& name = problem.name;
  if (name == "sphere") return make_objective_evaluator(name, sphere, problem);
  if (name == "rastrigin") return make_objective_evaluator(name, rastrigin, problem);
  if (name == "rosenbrock") return make_objective_evaluator(name, rosenbrock, problem);
  if (name == "ackley") return make_objective_evaluator(name, ackley, problem);
  if (name == "noisy_sphere") {
    return make_objective_evaluator(name, sphere, problem, problem.noise_sigma);
  }
  if (name == "griewank") return make_objective_evaluator(name, griewank, problem);
  if (name == "schwefel") return make_objective_evaluator(name, schwefel, problem);
  if (auto evaluator = make_multiobjective_evaluator(problem)) return evaluator;
  return make_combinatorial_evaluator(problem);
}

}  // namespace evo::worker
