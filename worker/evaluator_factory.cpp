// make_evaluator: maps problem.name to an Evaluator. Built-in problems live in
// worker/builtin_problems.cpp, "command" in worker/command_evaluator.cpp, "plugin" in
// worker/plugin_evaluator.cpp; any other name is
// a configuration error.
#include "worker/evaluator_factory.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.hpp"
#include "worker/builtin_problems.hpp"
#include "worker/command_evaluator.hpp"
#include "worker/evaluation_trace.hpp"
#include "worker/plugin_evaluator.hpp"

namespace evo::worker {

std::unique_ptr<common::Evaluator> make_evaluator(const common::Config& config) {
  if (auto evaluator = make_builtin_evaluator(config.problem)) {
    return traced_if_requested(std::move(evaluator));
  }
  if (config.problem.name == "command") {
    return traced_if_requested(make_command_evaluator(config));
  }
  if (config.problem.name == "plugin") {
    return traced_if_requested(make_plugin_evaluator(config));
  }
  throw common::ConfigError(fmt::format("{}: problem.name: unknown problem '{}' (known: {})",
                                        config.source, config.problem.name,
                                        fmt::join(builtin_problem_names(), ", ")));
}

}  // namespace evo::worker
