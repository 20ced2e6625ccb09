#include "master/algorithm.hpp"

#include <fmt/format.h>

#include "common/algorithm_catalog.hpp"
#include "common/error.hpp"
#include "master/cmaes.hpp"
#include "master/differential_evolution.hpp"
#include "master/mu_lambda.hpp"
#include "master/nsga2.hpp"
#include "master/simple_ga.hpp"

namespace evo::master {

void check_state_owner(const common::AlgorithmState& state, std::string_view algorithm) {
  if (state.name != algorithm) {
    throw common::IncompatibleCheckpointError(
        fmt::format("checkpoint holds the state of algorithm '{}', the config asks for '{}'",
                    state.name, algorithm));
  }
}

void check_population_shape(const common::Population& population, std::size_t size,
                            std::size_t dimension, std::size_t objectives) {
  if (population.dimension != dimension || population.objectives != objectives ||
      population.size() != size) {
    throw common::IncompatibleCheckpointError(fmt::format(
        "checkpoint population is {} x {} with {} objectives, config expects {} x {} with {}",
        population.size(), population.dimension, population.objectives, size, dimension,
        objectives));
  }
}

std::unique_ptr<Algorithm> make_algorithm(const common::Config& config) {
  const common::AlgorithmInfo& info = common::algorithm_info(config.algorithm.name);
  // Config validation refuses this too; checked again because a Config can be built in code.
  if (!info.multi_objective && common::objective_count(config) > 1) {
    throw common::ConfigError(fmt::format(
        "{}: algorithm.name = '{}' minimises a single objective, but the problem has {} "
        "objectives: use algorithm.name = \"nsga2\"",
        config.source, info.name, common::objective_count(config)));
  }
  // No default: a kind added to the catalog without a case here does not compile.
  switch (info.kind) {
    case common::AlgorithmKind::kSimple:
      return std::make_unique<SimpleGa>(config);
    case common::AlgorithmKind::kMuPlusLambda:
      return std::make_unique<MuLambda>(config, /*plus=*/true);
    case common::AlgorithmKind::kMuCommaLambda:
      return std::make_unique<MuLambda>(config, /*plus=*/false);
    case common::AlgorithmKind::kCmaes:
      return std::make_unique<Cmaes>(config);
    case common::AlgorithmKind::kDe:
      return std::make_unique<DifferentialEvolution>(config);
    case common::AlgorithmKind::kNsga2:
      return std::make_unique<Nsga2>(config);
    case common::AlgorithmKind::kSteadyState:
      return nullptr;  // no generation barrier: master.cpp runs master/steady_state.hpp instead
  }
  throw common::Error(fmt::format("algorithm.name '{}': no builder", info.name));
}

}  // namespace evo::master
