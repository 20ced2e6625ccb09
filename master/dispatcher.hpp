// The job queue: hands batches of evaluation tasks to whichever worker is free (several
// batches in flight per worker, so none waits for the master) and stores each result by
// task index, never by arrival order. With one rank it evaluates in-process.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "common/evaluator.hpp"
#include "common/messages.hpp"
#include "common/population.hpp"
#include "common/rng.hpp"
#include "common/transport.hpp"
#include "master/failure_digest.hpp"
#include "master/retry_book.hpp"

namespace evo::master {

// The most tasks a batch ever holds, and the most a batch of `dimension`-gene genomes
// holds so that its message stays far below MPI's 2 GiB (at least 1). Every batch, an
// explicit dispatch.batch included, is the smaller of the two or less; master/size_limits
// checks that its results then fit in one message too.
inline constexpr std::size_t kMaxBatch = 4096;
std::size_t largest_batch(std::size_t dimension);

struct WorkerStats {
  std::int64_t tasks = 0;  // evaluation attempts (a retried evaluation counts each time)
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
  // Whether on_idle would stop now; cheap, no side effects. With a single rank it lets the
  // evaluation in progress be abandoned (the restart computes it again), as workers abandon
  // theirs when the master stops them.
  std::function<bool()> stop_requested;
};

// What happens to an evaluation that fails (exception, non-zero exit, timeout, garbage...).
struct FailurePolicy {
  int retries = 2;                 // further attempts, on another worker when there is one
  double failure_fitness = 1e300;  // every objective of an individual that failed them all
  double max_failure_share = 0.5;  // above this share of a call's evaluations, stop the run
  // The failure classes (common::status_name) that get the further attempts; the others
  // fail for good at once (dispatch.retry_on).
  std::vector<std::string> retry_on = common::DispatchConfig{}.retry_on;

  static FailurePolicy of(const common::DispatchConfig& dispatch) {
    return {dispatch.retries, dispatch.failure_fitness, dispatch.max_failure_share,
            dispatch.retry_on};
  }
  bool retries_class(std::uint8_t status) const;
};

// Evaluations of a generation settled before the evaluate() call that completes it: taken
// from a mid-generation checkpoint or from the evaluation journal after a restart. They
// count in max_failure_share exactly like the call's own, so that a relaunch decides as
// the uninterrupted run did.
struct EarlierResults {
  std::int64_t evaluated = 0;
  std::int64_t failed = 0;  // of those, individuals given the failure fitness
};

struct EvaluationOutcome {
  std::int64_t evaluated = 0;              // individuals completed in this call (failures included)
  std::int64_t attempts_failed = 0;        // failed attempts, retried ones included
  std::int64_t given_failure_fitness = 0;  // individuals that failed every attempt
  bool stopped = false;                    // on_idle asked to stop; some members are still NaN
};

// Work handed out one task at a time with no barrier (steady-state algorithms): a task is
// made when a worker has room for it, and its result is handed back the moment it arrives.
class TaskStream {
 public:
  virtual ~TaskStream() = default;
  // The id of the next task, or nullopt when there is none for now (more may come after
  // complete()). The id travels as the task index.
  virtual std::optional<std::uint64_t> next_task() = 0;
  virtual std::span<const double> genome(std::uint64_t id) const = 0;
  // The generation the task counts in, for its per-evaluation randomness.
  virtual std::uint64_t generation_of(std::uint64_t id) const = 0;
  // The task's final fitness: evaluated, or the failure fitness after every attempt failed.
  virtual void complete(std::uint64_t id, std::span<const double> fitness,
                        bool given_failure_fitness) = 0;
  virtual bool finished() const = 0;  // every task is complete
  // Largest sensible batch before dividing among workers (e.g. the population size).
  virtual std::size_t batch_scale() const = 0;
};

class Dispatcher {
 public:
  // `local_evaluator` is used when the transport has a single rank; may be null otherwise.
  Dispatcher(common::Transport& transport, common::Evaluator* local_evaluator,
             const common::DispatchConfig& settings, const FailurePolicy& policy = {});

  // Evaluates every member of `population` with NaN fitness; writes fitness in place. A
  // failed evaluation is retried, then given the failure fitness (deterministic, so a
  // resumed run stays identical); throws EvaluationError, with a report, when more than
  // max_failure_share of the generation's evaluations (`earlier` and this call's) fail for
  // good.
  EvaluationOutcome evaluate(common::Population& population, std::uint64_t seed, int job,
                             std::uint64_t generation, const EvaluationHooks& hooks = {},
                             const EarlierResults& earlier = {});
  // Individuals of the evaluate() call in progress (or the last one) given the failure
  // fitness so far: what a mid-generation checkpoint records.
  std::int64_t given_failure_fitness() const { return given_failure_fitness_; }

  // Runs `stream` until it is finished (or on_idle asks to stop), keeping every worker's
  // queue full: as soon as a result comes back, the worker gets new tasks. Failures are
  // retried as in evaluate(); on_results gets the ids completed by each message.
  EvaluationOutcome evaluate_stream(TaskStream& stream, std::uint64_t seed, int job,
                                    const EvaluationHooks& hooks = {});
  // Failed attempts since the dispatcher began, in all and by EvalStatus value.
  std::int64_t total_attempts_failed() const { return total_attempts_failed_; }
  using StatusCounts = std::array<std::int64_t, common::kLastEvalStatus + 1>;
  const StatusCounts& failures_by_status() const { return failures_by_status_; }

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

  // Seconds spent in the job queue since the dispatcher began: in each evaluate(), from its
  // first send to its last stored result (journal hook included); all of evaluate_stream()
  // and of in-process evaluation. A call in progress counts up to now.
  double dispatch_seconds() const;

 private:
  // Adds the time from its construction to stop() (or its end) to dispatch_seconds_.
  class DispatchClock {
   public:
    explicit DispatchClock(Dispatcher& dispatcher, bool start = true);
    ~DispatchClock() { stop(); }
    DispatchClock(const DispatchClock&) = delete;
    DispatchClock& operator=(const DispatchClock&) = delete;
    void stop();

   private:
    Dispatcher& dispatcher_;
  };

  EvaluationOutcome evaluate_locally(common::Population& population, std::uint64_t seed, int job,
                                     std::uint64_t generation, const EvaluationHooks& hooks,
                                     const EarlierResults& earlier);
  // For `remaining` tasks of `dimension` genes; `sent_before` = batches this worker got in
  // this call.
  std::size_t batch_size(std::size_t remaining, int sent_before, std::size_t dimension) const;
  void send_batch(int worker, const common::Population& population,
                  std::span<const std::size_t> indices, int job, std::uint64_t generation);
  // Stores the results of one message; returns the worker it came from. Failed entries go
  // to the retry queue or get the failure fitness; completed_ lists what was settled.
  int store_results(const common::Message& message, common::Population& population);
  // Returns true when the failed attempt is to be tried again; otherwise gives the
  // individual the failure fitness.
  bool handle_failure(common::Population& population, std::uint64_t index, int rank,
                      std::uint8_t status, const std::string& detail);
  void begin_round(std::uint64_t generation);
  // Logs a failed attempt (in full among the generation's first few, else only counted in
  // the digest); true when it is to be tried again (attempt <= retries).
  bool retry_after_failure(int attempt, std::uint8_t status, const std::string& what);
  // Logs the digest's summary of the failures it held back, if any.
  void log_failure_summary() const;
  // Streaming: a failure of a task of `generation`; summarises the digest's previous one.
  void digest_generation(std::uint64_t generation);
  // Worker RNG state, statistics and the batch-size estimate from one result batch.
  void note_result_batch(int source, const common::ResultBatchView& results);
  // Throws for a worker's error report or any message other than results.
  static void check_result_message(const common::Message& message);
  EvaluationOutcome evaluate_stream_locally(TaskStream& stream, std::uint64_t seed, int job,
                                            const EvaluationHooks& hooks);
  // The one failure policy of a generation: its evaluations settled earlier and in this call.
  void check_failure_share(const EvaluationOutcome& outcome, const EarlierResults& earlier) const;

  common::Transport& transport_;
  common::Evaluator* local_evaluator_;
  common::DispatchConfig settings_;
  FailurePolicy policy_;
  std::vector<WorkerStats> stats_;              // index = rank (0 unused unless local)
  std::vector<common::Rng::State> worker_rng_;  // index = rank - 1
  int abandoned_batches_ = 0;

  // Bookkeeping of the evaluate() call in progress.
  std::uint64_t generation_ = 0;
  RetryBook retries_;
  std::vector<std::uint64_t> completed_;  // settled by the last message
  std::int64_t attempts_failed_ = 0;
  std::int64_t total_attempts_failed_ = 0;
  StatusCounts failures_by_status_{};
  std::int64_t given_failure_fitness_ = 0;
  std::vector<std::string> failure_report_;  // first few failures, for the stop message
  FailureDigest digest_;
  double seconds_per_task_ = 0;  // moving estimate from worker reports; 0 = unknown
  double dispatch_seconds_ = 0;
  std::optional<std::chrono::steady_clock::time_point> dispatch_started_;
  // Reused from call to call and message to message: no fresh pages on the hot path.
  common::Message message_;
  std::vector<std::size_t> pending_;
  std::vector<int> outstanding_;
  std::vector<int> sent_;
  std::vector<common::TaskRun> runs_;  // of the batch being packed
};

}  // namespace evo::master
