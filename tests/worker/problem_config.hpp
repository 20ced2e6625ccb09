// The config of a built-in problem, as the worker tests build their evaluators from.
#pragma once

#include <string>

#include "common/config.hpp"

namespace evo::worker {

inline common::Config config_for(const std::string& name, int dimension) {
  common::Config config;
  config.source = "test.toml";
  config.problem.name = name;
  config.problem.dimension = dimension;
  return config;
}

}  // namespace evo::worker
