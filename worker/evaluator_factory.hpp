// Builds the evaluator a config names. Used by worker ranks, and by the master when it
// runs alone (main.cpp wires that; master/ never includes worker/).
#pragma once

#include <memory>

#include "common/config.hpp"
#include "common/evaluator.hpp"

namespace evo::worker {

// Throws ConfigError naming problem.name when the problem is unknown.
std::unique_ptr<common::Evaluator> make_evaluator(const common::Config& config);

}  // namespace evo::worker
