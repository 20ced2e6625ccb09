// problem.name = "plugin": fitness from a shared library with the C ABI of
// include/evocluster/plugin.h, loaded with dlopen.
#pragma once

#include <memory>

#include "common/config.hpp"
#include "common/evaluator.hpp"

namespace evo::worker {

// Loads plugin.library, checks its ABI version and symbols, calls its init with
// plugin.config. Throws ConfigError naming plugin.library and what is wrong (file missing
// or not loadable, symbol missing, ABI mismatch, init failed).
std::unique_ptr<common::Evaluator> make_plugin_evaluator(const common::Config& config);

}  // namespace evo::worker
