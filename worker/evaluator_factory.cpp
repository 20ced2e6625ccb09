// make_evaluator: maps problem.name to an Evaluator. Built-in problems live in
// worker/builtin_problems.cpp, "command" in worker/command_evaluator.cpp, "plugin" in
// worker/plugin_evaluator.cpp, "python" in worker/python_evaluator.cpp; any other name is
// a configuration error.
#include "worker/evaluator_factory.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.hpp"
#include "common/problem_registry.hpp"
#include "common/rng.hpp"
#include "worker/builtin_problems.hpp"
#include "worker/command_evaluator.hpp"
#include "worker/evaluation_trace.hpp"
#include "worker/plugin_evaluator.hpp"
#include "worker/python_evaluator.hpp"

namespace evo::worker {
namespace {

// A problem class registered through evocluster::register_problem, as an Evaluator.
class RegisteredEvaluator : public common::Evaluator {
 public:
  RegisteredEvaluator(std::unique_ptr<evocluster::Problem> problem, int objectives)
      : problem_(std::move(problem)), objectives_(objectives) {}
  int objectives() const override { return objectives_; }
  common::EvalOutcome evaluate(std::span<const double> genome, const common::EvalContext& context,
                               std::span<double> fitness) override {
    const evocluster::EvalContext public_context{
        context.seed, context.job, context.generation, context.index,
        common::Rng::for_evaluation(context.seed, context.job, context.generation, context.index)
            .next_u64()};
    problem_->evaluate(genome, public_context, fitness);  // throws: evaluate_guarded classifies
    return {};
  }

 private:
  std::unique_ptr<evocluster::Problem> problem_;
  int objectives_;
};

}  // namespace

std::unique_ptr<common::Evaluator> make_evaluator(const common::Config& config) {
  if (auto evaluator = make_builtin_evaluator(config.problem)) {
    return traced_if_requested(std::move(evaluator));
  }
  if (config.problem.name == "command") {
    return traced_if_requested(make_command_evaluator(config));
  }
  if (const auto* registered = common::find_registered_problem(config.problem.name)) {
    return traced_if_requested(
        std::make_unique<RegisteredEvaluator>(registered->create(), registered->objectives));
  }
  if (config.problem.name == "plugin") {
    return traced_if_requested(make_plugin_evaluator(config));
  }
  if (config.problem.name == "python") {
    return traced_if_requested(make_python_evaluator(config));
  }
  throw common::ConfigError(fmt::format("{}: problem.name: unknown problem '{}' (known: {})",
                                        config.source, config.problem.name,
                                        fmt::join(builtin_problem_names(), ", ")));
}

}  // namespace evo::worker
