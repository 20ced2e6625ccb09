// The C++ route to a fitness function: link against the evocluster library, register a
// problem class, and hand the command line to evocluster::run. The program then behaves
// exactly like the evocluster executable (run / inspect / verify, same config, same exit
// codes), with the registered name usable as problem.name:
//
//   #include <evocluster/evocluster.hpp>
//   class Sphere : public evocluster::Problem {
//     void evaluate(std::span<const double> x, const evocluster::EvalContext&,
//                   std::span<double> objectives) override { ... }
//   };
//   int main(int argc, char** argv) {
//     evocluster::register_problem({"my_sphere", 1, -5.12, 5.12,
//                                   [] { return std::make_unique<Sphere>(); }});
//     return evocluster::run(argc, argv);
//   }
//
// See examples/custom_problem.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

namespace evocluster {

// Which evaluation this is. eval_seed is the same for the same task on any worker and any
// rank count: seed per-evaluation randomness from it and runs stay reproducible.
struct EvalContext {
  std::uint64_t seed = 0;
  int job = 0;
  std::uint64_t generation = 0;
  std::uint64_t index = 0;
  std::uint64_t eval_seed = 0;
};

class Problem {
 public:
  virtual ~Problem() = default;
  // Writes objectives.size() values (minimised). Throwing fails the evaluation: the
  // failure policy (dispatch.retries, dispatch.failure_fitness) applies, as it does to a
  // NaN or infinite objective. Called from one thread per process, one call at a time.
  virtual void evaluate(std::span<const double> genome, const EvalContext& context,
                        std::span<double> objectives) = 0;
};

struct ProblemDefinition {
  std::string name;  // the problem.name that selects it
  int objectives = 1;
  double lower = 0;  // default genome domain (genome.lower / genome.upper override it)
  double upper = 1;
  // Called once on every rank that evaluates.
  std::function<std::unique_ptr<Problem>()> create;
};

// Makes `definition.name` a problem.name. Call on every rank before run(). Throws
// std::invalid_argument when the name is taken (built-in or registered) or the definition
// is unusable (no name, objectives < 1, lower >= upper, no create).
void register_problem(ProblemDefinition definition);

// The evocluster command line; returns the process exit code (README, "Exit codes").
int run(int argc, char** argv);

}  // namespace evocluster
