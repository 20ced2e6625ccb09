// The catalog of built-in problems as the master and the config validator see them: name,
// objective count, usual search domain. The objective functions themselves live in
// worker/builtin_problems.cpp; the two lists must name the same problems.
#include "common/problem_catalog.hpp"

#include <array>

#include "common/problem_registry.hpp"

namespace evo::common {
namespace {

// Domains are the customary ones from the benchmark literature (e.g. DEAP's benchmarks).
constexpr std::array kProblems = {
    ProblemInfo{"sphere", 1, -5.12, 5.12, "sum of x_i^2; unimodal, minimum 0 at the origin"},
    ProblemInfo{"rastrigin", 1, -5.12, 5.12,
                "10 n + sum of (x_i^2 - 10 cos(2 pi x_i)); highly multimodal, minimum 0 at the "
                "origin"},
    ProblemInfo{"rosenbrock", 1, -2.048, 2.048,
                "sum of 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2; a narrow curved valley, minimum 0 "
                "at (1, ..., 1)"},
    ProblemInfo{"ackley", 1, -32.768, 32.768,
                "Ackley's function (a = 20, b = 0.2, c = 2 pi); multimodal with a deep funnel, "
                "minimum 0 at the origin"},
    ProblemInfo{"noisy_sphere", 1, -5.12, 5.12,
                "sphere plus Gaussian noise of standard deviation problem.noise_sigma, drawn "
                "from the evaluation's own RNG"},
    ProblemInfo{"griewank", 1, -600, 600,
                "1 + sum of x_i^2 / 4000 - product of cos(x_i / sqrt(i)); many regularly spaced "
                "local minima, minimum 0 at the origin"},
    ProblemInfo{"schwefel", 1, -500, 500,
                "418.9828872724338 n - sum of x_i sin(sqrt(|x_i|)); the best local minima lie far "
                "apart, minimum ~0 at (420.9687462275036, ...)"},
    // Maximisation problems are negated so that, like every problem here, they are minimised.
    ProblemInfo{"onemax", 1, 0, 1, "-(number of ones) of a bit string; minimum -n at all ones",
                "binary"},
    ProblemInfo{"knapsack", 1, 0, 1,
                "0/1 knapsack, instance generated from problem.instance_seed with "
                "problem.dimension items: -(value packed), or the excess weight when overweight",
                "binary"},
    ProblemInfo{"tsp_berlin52", 1, 0, 51,
                "TSPLIB berlin52 (52 cities, EUC_2D): tour length; minimum 7542", "permutation",
                52},
    // Multi-objective (Zitzler, Deb & Thiele 2000; Deb, Thiele, Laumanns & Zitzler 2002).
    ProblemInfo{"zdt1", 2, 0, 1,
                "ZDT1: f1 = x_1, f2 = g (1 - sqrt(f1 / g)); convex Pareto front f2 = 1 - sqrt(f1) "
                "where x_2..x_n = 0"},
    ProblemInfo{"zdt2", 2, 0, 1,
                "ZDT2: f2 = g (1 - (f1 / g)^2); non-convex Pareto front f2 = 1 - f1^2"},
    ProblemInfo{"zdt3", 2, 0, 1,
                "ZDT3: f2 = g (1 - sqrt(f1 / g) - (f1 / g) sin(10 pi f1)); Pareto front in five "
                "disconnected pieces"},
    ProblemInfo{"dtlz2", 3, 0, 1,
                "DTLZ2 with problem.objectives objectives (default 3); Pareto front the unit "
                "sphere's positive orthant, where x_m..x_n = 0.5"},
};

}  // namespace

const ProblemInfo* find_problem(std::string_view name) {
  for (const ProblemInfo& problem : kProblems) {
    if (problem.name == name) return &problem;
  }
  return find_registered_problem_info(name);
}

std::span<const ProblemInfo> all_problems() { return kProblems; }

std::string problem_names() {
  std::string names;
  for (const ProblemInfo& problem : kProblems) {
    if (!names.empty()) names += ", ";
    names += problem.name;
  }
  return names;
}

}  // namespace evo::common
