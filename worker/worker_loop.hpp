// A worker rank: evaluates the task batches the master sends until told to stop.
#pragma once

#include "common/evaluator.hpp"
#include "common/transport.hpp"

namespace evo::worker {

// Returns the exit code the master's kStop carries. A failure that prevents evaluating
// (malformed message) is reported to the master, which ends the run.
int run_worker(common::Transport& transport, common::Evaluator& evaluator, std::uint64_t seed);

}  // namespace evo::worker
