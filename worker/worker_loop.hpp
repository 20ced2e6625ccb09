// A worker rank: evaluates the task batches the master sends until told to stop.
#pragma once

#include "common/evaluator.hpp"
#include "common/messages.hpp"
#include "common/transport.hpp"

namespace evo::worker {

// Evaluates every task of `tasks` straight from the message into `results` (a failed one
// is marked with its status and detail); returns the seconds it took. Uses the evaluator's
// block path (Evaluator::evaluate_block) where it has one, checking it entry by entry: a
// non-finite value, or the block path failing, sends those entries through the one-by-one
// path, which gives each its status and detail exactly as if there were no block path.
// Stops early, leaving `results` unfinished, once common::cancellation_requested().
double evaluate_tasks(common::Evaluator& evaluator, std::uint64_t seed,
                      const common::TaskBatchView& tasks, common::ResultPacker& results);

// Returns the exit code the master's kStop carries. A kStop that arrives while a batch is
// evaluated abandons it (common/cancellation.hpp): no result is sent for it, running
// programs are killed, and the rank exits at once. A failure that prevents evaluating
// (malformed message) is reported to the master, which ends the run.
int run_worker(common::Transport& transport, common::Evaluator& evaluator, std::uint64_t seed);

}  // namespace evo::worker
