// The built-in benchmark problems (sphere, rastrigin, rosenbrock, ackley, noisy_sphere; the
// multi-objective ones from worker/multiobjective_problems.hpp) as Evaluators. Their names and
// objective counts agree with common/problem_catalog.hpp; the master reads the catalog, workers
// build these.
#pragma once

#include <memory>
#include <span>
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

// Names of the built-in problems, in catalog order.
const std::vector<std::string_view>& builtin_problem_names();

// The built-in problem `problem.name`, or nullptr when it is not one. Each evaluation
// sleeps problem.delay_ms (when > 0) and fails (kFailed with a detail) when the genome
// length is not problem.dimension. noisy_sphere adds problem.noise_sigma * normal() drawn
// from Rng::for_evaluation of the evaluation's context.
std::unique_ptr<common::Evaluator> make_builtin_evaluator(const common::ProblemConfig& problem);

}  // namespace evo::worker
