// The built-in real-valued benchmark problems (sphere, rastrigin, rosenbrock, ackley,
// noisy_sphere, griewank, schwefel) as Evaluators; the combinatorial ones are in
// worker/combinatorial_problems.hpp, the multi-objective ones (made through
// make_builtin_evaluator too) in worker/multiobjective_problems.hpp. Their names and
// objective counts agree with common/problem_catalog.hpp; the master reads the catalog,
// workers build these.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.hpp"
#include "common/evaluator.hpp"

namespace evo::worker {

// The objective functions themselves (minimised; optimum 0).
double sphere(std::span<const double> x);      // sum x_i^2
double rastrigin(std::span<const double> x);   // 10 n + sum (x_i^2 - 10 cos(2 pi x_i))
double rosenbrock(std::span<const double> x);  // sum 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2
double ackley(std::span<const double> x);      // a = 20, b = 0.2, c = 2 pi
double griewank(std::span<const double> x);    // 1 + sum x_i^2 / 4000 - prod cos(x_i / sqrt(i))
// 418.9828872724338 n - sum x_i sin(sqrt(|x_i|)); minimum ~0 (< 1e-9 n) at x_i = 420.968746...
double schwefel(std::span<const double> x);

// Why a genome is not in a problem's domain ("" when it is), e.g. a gene that is not a bit.
using GenomeCheck = std::function<std::string(std::span<const double>)>;
using Objective = std::function<double(std::span<const double>)>;

// An Evaluator of one objective: sleeps problem.delay_ms (when > 0), fails (kFailed with a
// detail naming `name`) when the genome length is not problem.dimension or `check` finds
// the genome invalid, and adds noise_sigma * normal() from the evaluation's own RNG when
// noise_sigma != 0.
std::unique_ptr<common::Evaluator> make_objective_evaluator(std::string name, Objective objective,
                                                            const common::ProblemConfig& problem,
                                                            double noise_sigma = 0,
                                                            GenomeCheck check = {});

// Names of all built-in problems (these and the combinatorial ones), in catalog order.
const std::vector<std::string_view>& builtin_problem_names();

// The built-in problem `problem.name` (also the combinatorial ones), or nullptr when it is not one.
// Each evaluation sleeps problem.delay_ms (when > 0; with delay_distribution = "exponential" a
// duration drawn per task with that mean) and fails (kFailed with a detail) when the genome length
// is not problem.dimension. noisy_sphere adds problem.noise_sigma * normal() drawn from
// Rng::for_evaluation of the evaluation's context.
std::unique_ptr<common::Evaluator> make_builtin_evaluator(const common::ProblemConfig& problem);

}  // namespace evo::worker
