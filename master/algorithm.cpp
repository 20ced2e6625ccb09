#include "master/algorithm.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "master/simple_ga.hpp"

namespace evo::master {

std::unique_ptr<Algorithm> make_algorithm(const common::Config& config) {
  if (config.algorithm.name == "simple") return std::make_unique<SimpleGa>(config);
  throw common::ConfigError(fmt::format("{}: algorithm.name: '{}' is not available in this version",
                                        config.source, config.algorithm.name));
}

}  // namespace evo::master
