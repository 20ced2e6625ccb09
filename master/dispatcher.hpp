// The job queue: hands batches of evaluation tasks to whichever worker is free (several
// batches in flight per worker, so none waits for the master) and stores each result by
// task index, never by arrival order. With one rank it evaluates in-process.
#pragma once

#include <cstddef>
#include <cstdint>
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

class Dispatcher {
 public:
  // `local_evaluator` is used when the transport has a single rank; may be null otherwise.
  Dispatcher(common::Transport& transport, common::Evaluator* local_evaluator,
             const common::DispatchConfig& settings);

  // Evaluates every member of `population` with NaN fitness; writes fitness in place.
  // Returns how many were evaluated. Throws EvaluationError when an evaluation fails.
  std::int64_t evaluate(common::Population& population, std::uint64_t seed, int job,
                        std::uint64_t generation);

  // Collective with the workers; only between evaluate() calls.
  std::vector<common::Rng::State> gather_worker_rng();
  void set_worker_rng(std::span<const common::Rng::State> states);  // one per worker rank
  void stop_workers();

  const std::vector<WorkerStats>& worker_stats() const { return stats_; }
  int worker_count() const { return transport_.size() - 1; }

 private:
  std::int64_t evaluate_locally(common::Population& population, std::uint64_t seed, int job,
                                std::uint64_t generation);
  std::size_t batch_size(std::size_t remaining) const;
  void send_batch(int worker, const common::Population& population,
                  std::span<const std::size_t> indices, int job, std::uint64_t generation);
  // Receives one message; returns the worker it came from after storing its results.
  int receive_results(common::Population& population);

  common::Transport& transport_;
  common::Evaluator* local_evaluator_;
  common::DispatchConfig settings_;
  std::vector<WorkerStats> stats_;    // index = rank (0 unused unless local)
  double seconds_per_task_ = 0;       // moving estimate from worker reports; 0 = unknown
  common::TaskBatch task_batch_;      // reused: no fresh pages on the hot path
  common::ResultBatch result_batch_;
  std::vector<std::byte> wire_;
};

}  // namespace evo::master
