// The job queue: hands batches of evaluation tasks to whichever worker is free (several
// batches in flight per worker, so none waits for the master) and stores each result by
// task index, never by arrival order. With one rank it evaluates in-process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "common/config.hpp"
#include "common/evaluator.hpp"
#include "common/messages.hpp"
#include "common/population.hpp"
#include "common/rng.hpp"
#include "common/transport.hpp"

namespace evo::master {

struct WorkerStats {
  std::int64_t tasks = 0;
  std::int64_t batches = 0;
  double busy_seconds = 0;  // as reported by the worker
};

enum class IdleAction { kContinue, kStop };

struct EvaluationHooks {
  // After the results of these task indices are stored (e.g. to journal them).
  std::function<void(std::span<const std::uint64_t>)> on_results;
  // Polled after every result and at least every few milliseconds while waiting; may
  // write a checkpoint of the partly evaluated population. kStop abandons the rest.
  std::function<IdleAction()> on_idle;
};

struct EvaluationOutcome {
  std::int64_t evaluated = 0;  // results received in this call
  bool stopped = false;        // on_idle asked to stop; some members are still NaN
};

class Dispatcher {
 public:
  // `local_evaluator` is used when the transport has a single rank; may be null otherwise.
  Dispatcher(common::Transport& transport, common::Evaluator* local_evaluator,
             const common::DispatchConfig& settings);

  // Evaluates every member of `population` with NaN fitness; writes fitness in place.
  // Throws EvaluationError when an evaluation fails.
  EvaluationOutcome evaluate(common::Population& population, std::uint64_t seed, int job,
                             std::uint64_t generation, const EvaluationHooks& hooks = {});

  // One state per worker rank. Workers send theirs back with every result batch, so
  // worker_rng() is exact at any moment, even while workers are busy.
  void set_worker_rng(std::span<const common::Rng::State> states);
  const std::vector<common::Rng::State>& worker_rng() const { return worker_rng_; }
  // Receives and drops the results of batches a stopped evaluate() left behind.
  void discard_abandoned();
  int abandoned_batches() const { return abandoned_batches_; }
  // `exit_code` is what the workers exit with.
  void stop_workers(int exit_code = 0);

  const std::vector<WorkerStats>& worker_stats() const { return stats_; }
  int worker_count() const { return transport_.size() - 1; }

 private:
  EvaluationOutcome evaluate_locally(common::Population& population, std::uint64_t seed, int job,
                                     std::uint64_t generation, const EvaluationHooks& hooks);
  std::size_t batch_size(std::size_t remaining) const;
  void send_batch(int worker, const common::Population& population,
                  std::span<const std::size_t> indices, int job, std::uint64_t generation);
  // Stores the results of one message; returns the worker it came from.
  int store_results(const common::Message& message, common::Population& population);

  common::Transport& transport_;
  common::Evaluator* local_evaluator_;
  common::DispatchConfig settings_;
  std::vector<WorkerStats> stats_;              // index = rank (0 unused unless local)
  std::vector<common::Rng::State> worker_rng_;  // index = rank - 1
  int abandoned_batches_ = 0;
  double seconds_per_task_ = 0;   // moving estimate from worker reports; 0 = unknown
  common::TaskBatch task_batch_;  // reused: no fresh pages on the hot path
  common::ResultBatch result_batch_;
  std::vector<std::byte> wire_;
};

}  // namespace evo::master
