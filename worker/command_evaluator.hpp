// problem.name = "command": the fitness comes from an external program, run once per
// evaluation with posix_spawnp (never through a shell) in a process group of its own and a
// scratch directory of its own, with the worker's environment minus the MPI launcher's
// variables (OMPI_*, PMIX_*, PMI_*, MPI_*) plus EVO_* describing the evaluation. The genome
// goes in on stdin (lines or JSON) and/or through a template file; the fitness is the last
// non-empty line of stdout, exactly command.objectives finite numbers. Everything else is
// classified (non-zero exit, signal, timeout, garbage, non-finite) with a detail naming the
// program, and the whole process group is killed and reaped before evaluate() returns, so
// nothing is ever left running.
#pragma once

#include <memory>

#include "common/config.hpp"
#include "common/evaluator.hpp"

namespace evo::worker {

// Throws ConfigError when command.template cannot be read.
std::unique_ptr<common::Evaluator> make_command_evaluator(const common::Config& config);

}  // namespace evo::worker
