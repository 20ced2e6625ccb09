#include "master/algorithm.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "master/cmaes.hpp"
#include "master/differential_evolution.hpp"
#include "master/mu_lambda.hpp"
#include "master/nsga2.hpp"
#include "master/simple_ga.hpp"

namespace evo::master {

std::unique_ptr<Algorithm> make_algorithm(const common::Config& config) {
  const std::string& name = config.algorithm.name;
  if (name == "simple") return std::make_unique<SimpleGa>(config);
  if (name == "mu_plus_lambda") return std::make_unique<MuLambda>(config, /*plus=*/true);
  if (name == "mu_comma_lambda") return std::make_unique<MuLambda>(config, /*plus=*/false);
  if (name == "cmaes") return std::make_unique<Cmaes>(config);
  if (name == "de") return std::make_unique<DifferentialEvolution>(config);
  if (name == "nsga2") return std::make_unique<Nsga2>(config);
  throw common::ConfigError(fmt::format("{}: algorithm.name: '{}' is not available in this version",
                                        config.source, config.algorithm.name));
}

}  // namespace evo::master
