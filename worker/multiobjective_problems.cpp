// ZDT1-3 and DTLZ2: pure functions of the genome, written as in the papers (indices from
// 1 there, from 0 here).
#include "worker/multiobjective_problems.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <thread>
#include <utility>

#include "common/cancellation.hpp"
#include "common/problem_catalog.hpp"

namespace evo::worker {
namespace {

using Objectives = void (*)(std::span<const double>, std::span<double>);

class MultiObjectiveEvaluator : public common::Evaluator {
 public:
  MultiObjectiveEvaluator(std::string name, Objectives function, int objectives,
                          const common::ProblemConfig& problem)
      : name_(std::move(name)),
        function_(function),
        objectives_(objectives),
        dimension_(static_cast<std::size_t>(problem.dimension)),
        delay_ms_(problem.delay_ms) {}

  int objectives() const override { return objectives_; }

  common::EvalOutcome evaluate(std::span<const double> genome, const common::EvalContext&,
                               std::span<double> fitness) override {
    if (delay_ms_ > 0) {
      // Interruptible: a stop from the master must not wait for an emulated simulation.
      if (!common::sleep_unless_cancelled(delay_ms_ / 1000)) {
        return {common::EvalStatus::kFailed, common::kAbandonedDetail};
      }
    }
    for (double& value : fitness) value = std::numeric_limits<double>::quiet_NaN();
    if (fitness.size() != static_cast<std::size_t>(objectives_)) {
      return {common::EvalStatus::kFailed,
              fmt::format("{}: room for {} objectives, the problem has {}", name_, fitness.size(),
                          objectives_)};
    }
    if (genome.size() != dimension_) {
      return {common::EvalStatus::kFailed,
              fmt::format("{}: genome has {} genes, problem.dimension is {}", name_, genome.size(),
                          dimension_)};
    }
    function_(genome, fitness);
    return {};
  }

 private:
  std::string name_;
  Objectives function_;
  int objectives_;
  std::size_t dimension_;
  double delay_ms_;
};

// ZDT's g: 1 + 9 * mean of x_2..x_n.
double zdt_g(std::span<const double> x) {
  double sum = 0;
  for (std::size_t i = 1; i < x.size(); ++i) sum += x[i];
  return 1.0 + 9.0 * sum / static_cast<double>(x.size() - 1);
}

}  // namespace

void zdt1(std::span<const double> x, std::span<double> f) {
  const double g = zdt_g(x);
  f[0] = x[0];
  f[1] = g * (1.0 - std::sqrt(x[0] / g));
}

void zdt2(std::span<const double> x, std::span<double> f) {
  const double g = zdt_g(x);
  const double ratio = x[0] / g;
  f[0] = x[0];
  f[1] = g * (1.0 - ratio * ratio);
}

void zdt3(std::span<const double> x, std::span<double> f) {
  const double g = zdt_g(x);
  const double ratio = x[0] / g;
  f[0] = x[0];
  f[1] = g * (1.0 - std::sqrt(ratio) - ratio * std::sin(10.0 * std::numbers::pi * x[0]));
}

void dtlz2(std::span<const double> x, std::span<double> f) {
  const std::size_t m = f.size();
  double g = 0;
  for (std::size_t i = m - 1; i < x.size(); ++i) g += (x[i] - 0.5) * (x[i] - 0.5);
  const double half_pi = std::numbers::pi / 2.0;
  // f_i = (1 + g) cos(x_1 pi/2) ... cos(x_{m-i} pi/2) [sin(x_{m-i+1} pi/2) for i > 1].
  for (std::size_t i = 0; i < m; ++i) {
    double value = 1.0 + g;
    for (std::size_t j = 0; j + i + 1 < m; ++j) value *= std::cos(x[j] * half_pi);
    if (i > 0) value *= std::sin(x[m - i - 1] * half_pi);
    f[i] = value;
  }
}

std::unique_ptr<common::Evaluator> make_multiobjective_evaluator(
    const common::ProblemConfig& problem) {
  const common::ProblemInfo* info = common::find_problem(problem.name);
  if (info == nullptr) return nullptr;
  const auto make = [&](Objectives function, int objectives) {
    return std::make_unique<MultiObjectiveEvaluator>(problem.name, function, objectives, problem);
  };
  if (problem.name == "zdt1") return make(zdt1, info->objectives);
  if (problem.name == "zdt2") return make(zdt2, info->objectives);
  if (problem.name == "zdt3") return make(zdt3, info->objectives);
  if (problem.name == "dtlz2") {
    return make(dtlz2, problem.objectives > 0 ? problem.objectives : info->objectives);
  }
  return nullptr;
}

}  // namespace evo::worker
