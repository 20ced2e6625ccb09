#include "master/dispatcher.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/cancellation.hpp"
#include "common/error.hpp"

namespace evo::master {
namespace {

// A batch should keep a worker busy for about this long: long enough to amortise a
// message, short enough that the last batches of a generation balance across workers.
constexpr double kTargetBatchSeconds = 0.005;
// ... and its message never holds more than this: far below MPI's 2 GiB per message (counts
// are int), however long the genomes.
constexpr std::size_t kMaxBatchBytes = std::size_t{256} << 20;
// ... and never for less than this: below it a batch costs more in messages (a few
// microseconds on each side) than it gains in balance at the end of a generation. Without
// it, cheap fitness ended each generation with some twenty ever smaller batches.
constexpr double kMinBatchSeconds = 5e-6;
// Batches of the ramp-up at the start of each evaluate() call (see batch_size).
constexpr int kRampBatches = 16;
// How often on_idle runs while no result arrives: signals are answered within this.
constexpr double kIdlePollSeconds = 0.02;

// With a single rank, how often a waiting evaluation (a built-in delay, an external
// program) asks whether the run must stop: a signal is answered within this, and a program
// that runs for hours costs 20 wake-ups a second.
constexpr double kLocalStopCheckSeconds = 0.05;

// Lines of the failure report kept for the stop message.
constexpr std::size_t kReportedFailures = 5;

}  // namespace

// The most tasks of `dimension` genes that kMaxBatchBytes allows in a batch (at least 1).
std::size_t largest_batch(std::size_t dimension) {
  // A dense batch's rows may number twice its tasks (gaps of unchanged offspring).
  const std::size_t task_bytes = sizeof(common::TaskRun) + 2 * dimension * sizeof(double);
  return std::max<std::size_t>(kMaxBatchBytes / task_bytes, 1);
}

namespace {

// In-process evaluation: the run's stop check is the cancellation check while it lasts.
class LocalCancellation {
 public:
  explicit LocalCancellation(const std::function<bool()>& stop_requested)
      : installed_(static_cast<bool>(stop_requested)), check_(stop_requested) {
    if (installed_) common::set_cancellation_check(check_, kLocalStopCheckSeconds);
  }
  ~LocalCancellation() {
    if (installed_) common::set_cancellation_check({});
  }
  LocalCancellation(const LocalCancellation&) = delete;
  LocalCancellation& operator=(const LocalCancellation&) = delete;
  // Whether an evaluation that came back with `status` was given up on for a stop.
  static bool abandoned(common::EvalStatus status) {
    return status != common::EvalStatus::kOk && common::cancellation_requested();
  }
  // After an abandoned evaluation: the next one runs unless the stop is still wanted.
  void rearm() {
    if (installed_) common::set_cancellation_check(check_, kLocalStopCheckSeconds);
  }

 private:
  bool installed_;
  std::function<bool()> check_;
};

}  // namespace

Dispatcher::Dispatcher(common::Transport& transport, common::Evaluator* local_evaluator,
                       const common::DispatchConfig& settings, const FailurePolicy& policy)
    : transport_(transport),
      local_evaluator_(local_evaluator),
      settings_(settings),
      policy_(policy),
      stats_(static_cast<std::size_t>(transport.size())),
      worker_rng_(static_cast<std::size_t>(transport.size() - 1)) {
  if (transport.size() == 1 && local_evaluator == nullptr) {
    throw common::Error("a single-rank run needs a local evaluator");
  }
}

Dispatcher::DispatchClock::DispatchClock(Dispatcher& dispatcher, bool start)
    : dispatcher_(dispatcher) {
  if (start) dispatcher_.dispatch_started_ = std::chrono::steady_clock::now();
}

void Dispatcher::DispatchClock::stop() {
  if (!dispatcher_.dispatch_started_) return;
  dispatcher_.dispatch_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                                 *dispatcher_.dispatch_started_)
                                       .count();
  dispatcher_.dispatch_started_.reset();
}

double Dispatcher::dispatch_seconds() const {
  if (!dispatch_started_) return dispatch_seconds_;
  return dispatch_seconds_ +
         std::chrono::duration<double>(std::chrono::steady_clock::now() - *dispatch_started_)
             .count();
}

std::size_t Dispatcher::batch_size(std::size_t remaining, int sent_before,
                                   std::size_t dimension) const {
  const std::size_t largest = largest_batch(dimension);
  if (settings_.batch > 0) return std::min(static_cast<std::size_t>(settings_.batch), largest);
  // Until a worker has reported timings, send single tasks: cheap to learn from and
  // safe for slow fitness functions.
  if (seconds_per_task_ <= 0) return 1;
  auto by_time = static_cast<std::size_t>(kTargetBatchSeconds / seconds_per_task_);
  // Leave enough batches that every worker's queue can be refilled to the end.
  const auto slots = static_cast<std::size_t>(worker_count() * settings_.in_flight);
  const std::size_t by_balance = (remaining + 2 * slots - 1) / (2 * slots);
  const auto floor = static_cast<std::size_t>(kMinBatchSeconds / seconds_per_task_);
  std::size_t size = std::max(std::min(by_time, by_balance), floor);
  // Ramp up: a worker's first batch of a call is the smallest worth a message and each next
  // one doubles, so that it starts at once (instead of waiting for the master to pack a
  // big batch and for the copy) while the master packs the next. Each generation starts
  // with every worker idle; a big first batch left them idle for ~100 us per generation.
  if (sent_before < kRampBatches) {
    size = std::min(size, std::max<std::size_t>(floor, 1) << sent_before);
  }
  return std::clamp<std::size_t>(size, 1, std::min(kMaxBatch, largest));
}

void Dispatcher::send_batch(int worker, const common::Population& population,
                            std::span<const std::size_t> indices, int job,
                            std::uint64_t generation) {
  const std::size_t dimension = population.dimension;
  const auto [lowest, highest] = std::ranges::minmax(indices);
  const std::size_t block = highest - lowest + 1;
  // A dense batch (the usual case: only offspring that variation left unchanged, and so
  // need no evaluation, leave gaps) sends its block of the population, gaps included, in
  // one copy: a copy per run of consecutive members cost twice as much. A sparse one (a
  // few members left over, e.g. after journal recovery) sends just its own genomes.
  const bool dense = block <= 2 * indices.size();
  common::split_into_runs(indices, dense ? std::optional<std::uint64_t>(lowest) : std::nullopt,
                          runs_);
  common::TaskPacker packer(transport_.next_send_buffer(), job, generation,
                            static_cast<std::uint32_t>(dimension), runs_,
                            dense ? block : indices.size());
  if (dense) {
    packer.set_rows(0, std::span(population.genes).subspan(lowest * dimension, block * dimension));
  } else {
    for (std::size_t k = 0; k < indices.size(); ++k) {
      packer.set_rows(k, population.genome(indices[k]));
    }
  }
  transport_.send_buffer(worker, common::Tag::kTasks);
}

void Dispatcher::check_result_message(const common::Message& message) {
  if (message.tag == common::Tag::kWorkerError) throw common::worker_error(message);
  if (message.tag != common::Tag::kResults) {
    throw common::Error(fmt::format("unexpected message tag {} from rank {} during evaluation",
                                    static_cast<int>(message.tag), message.source));
  }
}

int Dispatcher::store_results(const common::Message& message, common::Population& population) {
  check_result_message(message);
  const common::ResultBatchView results(message.payload);
  if (results.objectives() != population.objectives) {
    throw common::EvaluationError(fmt::format("rank {} returned {} objectives, expected {}",
                                              message.source, results.objectives(),
                                              population.objectives));
  }
  completed_.clear();
  std::size_t failure = 0;
  const std::span<const std::uint64_t> indices = results.indices();
  const std::span<const double> fitness = results.fitness();
  const std::size_t objectives = population.objectives;
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const std::uint64_t index = indices[k];
    if (index >= population.size()) {
      throw common::Error(fmt::format("rank {} returned a result for task {} of {}", message.source,
                                      index, population.size()));
    }
    if (results.status(k) != static_cast<std::uint8_t>(common::EvalStatus::kOk)) {
      const std::string detail(failure < results.details() ? results.detail(failure)
                                                           : std::string_view("no detail"));
      ++failure;
      if (handle_failure(population, index, message.source, results.status(k), detail)) {
        retries_.queue(index);
        continue;
      }
    } else {
      // Stored by task index, never arrival order: results must not depend on how many
      // workers there are or which one was fastest.
      std::ranges::copy(fitness.subspan(k * objectives, objectives),
                        population.fitness_of(index).begin());
    }
    completed_.push_back(index);
  }
  note_result_batch(message.source, results);
  return message.source;
}

void Dispatcher::note_result_batch(int source, const common::ResultBatchView& results) {
  worker_rng_[static_cast<std::size_t>(source - 1)] = results.worker_rng();
  WorkerStats& stats = stats_[static_cast<std::size_t>(source)];
  stats.tasks += static_cast<std::int64_t>(results.size());
  stats.batches += 1;
  stats.busy_seconds += results.busy_seconds();
  if (results.size() > 0) {
    const double observed = results.busy_seconds() / static_cast<double>(results.size());
    seconds_per_task_ =
        seconds_per_task_ <= 0 ? observed : 0.8 * seconds_per_task_ + 0.2 * observed;
  }
}

void Dispatcher::begin_round(std::uint64_t generation) {
  generation_ = generation;
  retries_.clear();
  attempts_failed_ = 0;
  given_failure_fitness_ = 0;
  failure_report_.clear();
  digest_.begin(generation);
}

bool Dispatcher::handle_failure(common::Population& population, std::uint64_t index, int rank,
                                std::uint8_t status, const std::string& detail) {
  const int attempt = retries_.note_failure(index, rank);
  const std::string what = fmt::format(
      "individual {} of generation {} ({}, rank {}, attempt {}): {}", index, generation_,
      common::status_name(static_cast<common::EvalStatus>(status)), rank, attempt, detail);
  if (retry_after_failure(attempt, status, what)) return true;
  retries_.settle(index);
  // Deterministic, so a resumed run that replays this generation gives the same result.
  for (double& value : population.fitness_of(index)) value = policy_.failure_fitness;
  return false;
}

bool FailurePolicy::retries_class(std::uint8_t status) const {
  const std::string_view name = common::status_name(static_cast<common::EvalStatus>(status));
  return std::ranges::find(retry_on, name) != retry_on.end();
}

bool Dispatcher::retry_after_failure(int attempt, std::uint8_t status, const std::string& what) {
  ++attempts_failed_;
  ++total_attempts_failed_;
  ++failures_by_status_[std::min<std::size_t>(status, common::kLastEvalStatus)];
  const bool retried_class = policy_.retries_class(status);
  const bool retried = attempt <= policy_.retries && retried_class;
  const bool in_full = digest_.log_in_full(status, retried);
  if (retried) {
    if (in_full) spdlog::warn("evaluation failed, retrying: {}", what);
    return true;
  }
  ++given_failure_fitness_;
  if (failure_report_.size() < kReportedFailures) failure_report_.push_back(what);
  if (in_full) {
    spdlog::warn("evaluation failed for good, given the failure fitness {}: {}{}",
                 policy_.failure_fitness, what,
                 policy_.retries > 0 && !retried_class
                     ? fmt::format(" (not retried: {} is not in dispatch.retry_on)",
                                   common::status_name(static_cast<common::EvalStatus>(status)))
                     : std::string());
  }
  return false;
}

void Dispatcher::log_failure_summary() const {
  if (const auto summary = digest_.summary()) {
    spdlog::warn("{}, not logged one by one (the logbook's status_* columns count every class)",
                 *summary);
  }
}

void Dispatcher::digest_generation(std::uint64_t generation) {
  if (generation == digest_.generation()) return;
  log_failure_summary();
  digest_.begin(generation);
}

void Dispatcher::check_failure_share(const EvaluationOutcome& outcome,
                                     const EarlierResults& earlier) const {
  const std::int64_t evaluated = earlier.evaluated + outcome.evaluated;
  const std::int64_t failed = earlier.failed + outcome.given_failure_fitness;
  if (evaluated == 0 || failed == 0) return;
  const double share = static_cast<double>(failed) / static_cast<double>(evaluated);
  if (share <= policy_.max_failure_share) return;
  std::string report;
  for (const auto& line : failure_report_) report += "\n  " + line;
  const std::string before =
      earlier.evaluated == 0
          ? std::string()
          : fmt::format("; {} of them among the {} taken from a checkpoint or the journal",
                        earlier.failed, earlier.evaluated);
  throw common::EvaluationError(fmt::format(
      "{} of {} evaluations in generation {} failed after {} retries ({:.0f}% > "
      "dispatch.max_failure_share = {:.0f}%{}): stopping rather than optimising failures. "
      "First failures:{}",
      failed, evaluated, generation_, policy_.retries, share * 100, policy_.max_failure_share * 100,
      before, report.empty() ? " (none in this launch)" : report));
}

EvaluationOutcome Dispatcher::evaluate(common::Population& population, std::uint64_t seed, int job,
                                       std::uint64_t generation, const EvaluationHooks& hooks,
                                       const EarlierResults& earlier) {
  begin_round(generation);
  if (transport_.size() == 1) {
    return evaluate_locally(population, seed, job, generation, hooks, earlier);
  }
  discard_abandoned();

  std::vector<std::size_t>& pending = pending_;
  pending.clear();
  for (std::size_t i = 0; i < population.size(); ++i) {
    if (!population.evaluated(i)) pending.push_back(i);
  }
  EvaluationOutcome outcome;
  std::size_t next = 0;
  std::vector<int>& outstanding = outstanding_;
  outstanding.assign(static_cast<std::size_t>(transport_.size()), 0);
  int batches_out = 0;
  std::size_t retry_index = 0;
  std::vector<int>& sent = sent_;  // batches per worker in this call, for the ramp-up
  sent.assign(static_cast<std::size_t>(transport_.size()), 0);

  const int workers = worker_count();
  auto has_work = [&] { return next < pending.size() || !retries_.empty(); };
  auto has_work_for = [&](int worker) {
    return next < pending.size() || retries_.has_retry_for(worker, workers);
  };
  // Precondition: has_work_for(worker).
  auto send_next = [&](int worker) {
    if (const auto retry = retries_.take_for(worker, workers)) {
      // A retry goes alone, and never to the worker it failed on when there is another.
      retry_index = *retry;
      send_batch(worker, population, std::span(&retry_index, 1), job, generation);
    } else {
      const std::size_t count =
          std::min(batch_size(pending.size() - next, sent[static_cast<std::size_t>(worker)]++,
                              population.dimension),
                   pending.size() - next);
      send_batch(worker, population, std::span(pending).subspan(next, count), job, generation);
      next += count;
    }
    ++outstanding[static_cast<std::size_t>(worker)];
    ++batches_out;
  };
  auto feed_idle_workers = [&] {
    for (int round = 0; round < settings_.in_flight; ++round) {
      for (int worker = 1; worker < transport_.size() && has_work(); ++worker) {
        if (outstanding[static_cast<std::size_t>(worker)] <= round && has_work_for(worker)) {
          send_next(worker);
        }
      }
    }
  };
  // Round-robin the first batches so every worker starts at once.
  DispatchClock clock(*this, !pending.empty());
  feed_idle_workers();
  while (batches_out > 0) {
    if (transport_.try_receive_any(kIdlePollSeconds, message_)) {
      const int worker = store_results(message_, population);
      --outstanding[static_cast<std::size_t>(worker)];
      --batches_out;
      outcome.evaluated += static_cast<std::int64_t>(completed_.size());
      // Dynamic load balancing: the worker that just finished gets the next batch, before
      // the bookkeeping below (the journal may write), so that it never waits for it.
      while (has_work_for(worker) &&
             outstanding[static_cast<std::size_t>(worker)] < settings_.in_flight) {
        send_next(worker);
      }
      // Retries may have made work for workers that had run dry.
      if (!retries_.empty()) feed_idle_workers();
      if (hooks.on_results && !completed_.empty()) hooks.on_results(completed_);
      if (batches_out == 0 && !has_work()) clock.stop();  // the last result is stored
    }
    if (hooks.on_idle && hooks.on_idle() == IdleAction::kStop) {
      // Batches still out are abandoned: their results are recomputed after a restart.
      outcome.stopped = true;
      abandoned_batches_ += batches_out;
      break;
    }
  }
  outcome.attempts_failed = attempts_failed_;
  outcome.given_failure_fitness = given_failure_fitness_;
  log_failure_summary();
  if (!outcome.stopped) check_failure_share(outcome, earlier);
  return outcome;
}

EvaluationOutcome Dispatcher::evaluate_locally(common::Population& population, std::uint64_t seed,
                                               int job, std::uint64_t generation,
                                               const EvaluationHooks& hooks,
                                               const EarlierResults& earlier) {
  EvaluationOutcome result;
  const auto start = std::chrono::steady_clock::now();
  DispatchClock clock(*this);
  LocalCancellation cancellation(hooks.stop_requested);
  for (std::size_t i = 0; i < population.size();) {
    if (population.evaluated(i)) {
      ++i;
      continue;
    }
    if (hooks.on_idle && hooks.on_idle() == IdleAction::kStop) {
      result.stopped = true;
      break;
    }
    const common::EvalContext context{seed, job, generation, i};
    bool abandoned = false;
    for (;;) {
      const common::EvalOutcome outcome = common::evaluate_guarded(
          *local_evaluator_, population.genome(i), context, population.fitness_of(i));
      abandoned = LocalCancellation::abandoned(outcome.status);
      if (abandoned || outcome.status == common::EvalStatus::kOk ||
          !handle_failure(population, i, 0, static_cast<std::uint8_t>(outcome.status),
                          outcome.detail)) {
        break;
      }
    }
    if (abandoned) {
      // Not a failure: on_idle now checkpoints it unevaluated and stops.
      population.invalidate(i);
      cancellation.rearm();
      continue;
    }
    ++result.evaluated;
    if (hooks.on_results) {
      const std::uint64_t index = i;
      hooks.on_results(std::span(&index, 1));
    }
    ++i;
  }
  // Attempts, as workers count them: retried ones too.
  stats_[0].tasks += result.evaluated + attempts_failed_ - given_failure_fitness_;
  stats_[0].busy_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.attempts_failed = attempts_failed_;
  result.given_failure_fitness = given_failure_fitness_;
  log_failure_summary();
  if (!result.stopped) check_failure_share(result, earlier);
  return result;
}

EvaluationOutcome Dispatcher::evaluate_stream(TaskStream& stream, std::uint64_t seed, int job,
                                              const EvaluationHooks& hooks) {
  attempts_failed_ = 0;
  given_failure_fitness_ = 0;
  failure_report_.clear();
  digest_.begin(0);
  if (transport_.size() == 1) return evaluate_stream_locally(stream, seed, job, hooks);
  discard_abandoned();

  EvaluationOutcome outcome;
  std::vector<int> outstanding(static_cast<std::size_t>(transport_.size()), 0);
  int batches_out = 0;
  retries_.clear();
  const int workers = worker_count();
  std::optional<std::uint64_t> carried;  // drawn, but of another generation than its batch
  std::vector<std::uint64_t> ids;
  std::vector<double> fitness;
  const auto slots = static_cast<std::size_t>(worker_count() * settings_.in_flight);

  auto stream_batch_size = [&]() -> std::size_t {
    if (settings_.batch > 0) return static_cast<std::size_t>(settings_.batch);
    if (seconds_per_task_ <= 0) return 1;
    // Small enough that a batch is a small part of a generation: the population must
    // change between the births of one batch and the next.
    const std::size_t by_scale = std::max<std::size_t>(1, stream.batch_scale() / (4 * slots));
    const auto by_time = static_cast<std::size_t>(kTargetBatchSeconds / seconds_per_task_);
    return std::clamp<std::size_t>(std::min(by_time, by_scale), 1, kMaxBatch);
  };
  // Sends one batch to `worker` if there is work; returns whether it did.
  auto send_next = [&](int worker) {
    ids.clear();
    if (const auto retry = retries_.take_for(worker, workers)) {
      // A retry goes alone, and never to the worker it failed on when there is another.
      ids.push_back(*retry);
    } else {
      std::size_t size = stream_batch_size();
      while (ids.size() < size) {
        std::optional<std::uint64_t> id = carried ? carried : stream.next_task();
        carried.reset();
        if (!id) break;
        if (!ids.empty() && stream.generation_of(*id) != stream.generation_of(ids.front())) {
          carried = id;  // a batch carries one generation
          break;
        }
        ids.push_back(*id);
        if (ids.size() == 1) size = std::min(size, largest_batch(stream.genome(*id).size()));
      }
      if (ids.empty()) return false;
    }
    const std::uint64_t generation = stream.generation_of(ids.front());
    const std::size_t dimension = stream.genome(ids.front()).size();
    common::split_into_runs(ids, std::nullopt, runs_);
    common::TaskPacker packer(transport_.next_send_buffer(), job, generation,
                              static_cast<std::uint32_t>(dimension), runs_, ids.size());
    for (std::size_t k = 0; k < ids.size(); ++k) packer.set_rows(k, stream.genome(ids[k]));
    transport_.send_buffer(worker, common::Tag::kTasks);
    ++outstanding[static_cast<std::size_t>(worker)];
    ++batches_out;
    return true;
  };
  auto feed_workers = [&] {
    for (int round = 0; round < settings_.in_flight; ++round) {
      for (int worker = 1; worker < transport_.size(); ++worker) {
        // Nothing for this worker: for none when no retry is waiting (a retry may be
        // another worker's to take).
        if (outstanding[static_cast<std::size_t>(worker)] <= round && !send_next(worker) &&
            retries_.empty()) {
          return;
        }
      }
    }
  };
  (void)seed;  // workers know the seed from the config; the parameter mirrors evaluate()
  DispatchClock clock(*this);
  feed_workers();
  while (batches_out > 0) {
    if (transport_.try_receive_any(kIdlePollSeconds, message_)) {
      check_result_message(message_);
      const common::ResultBatchView results(message_.payload);
      const int worker = message_.source;
      fitness.resize(results.objectives());
      completed_.clear();
      std::size_t failure = 0;
      for (std::size_t k = 0; k < results.size(); ++k) {
        const std::uint64_t id = results.index(k);
        results.fitness(k, fitness);
        bool failed_for_good = false;
        if (results.status(k) != static_cast<std::uint8_t>(common::EvalStatus::kOk)) {
          const std::string_view detail =
              failure < results.details() ? results.detail(failure) : "no detail";
          ++failure;
          const int attempt = retries_.note_failure(id, worker);
          digest_generation(stream.generation_of(id));
          const std::string what =
              fmt::format("individual {} ({}, rank {}, attempt {}): {}", id,
                          common::status_name(static_cast<common::EvalStatus>(results.status(k))),
                          worker, attempt, detail);
          if (retry_after_failure(attempt, results.status(k), what)) {
            retries_.queue(id);
            continue;
          }
          fitness.assign(results.objectives(), policy_.failure_fitness);
          failed_for_good = true;
        }
        retries_.settle(id);
        stream.complete(id, fitness, failed_for_good);
        completed_.push_back(id);
      }
      note_result_batch(worker, results);
      --outstanding[static_cast<std::size_t>(worker)];
      --batches_out;
      outcome.evaluated += static_cast<std::int64_t>(completed_.size());
      if (hooks.on_results && !completed_.empty()) hooks.on_results(completed_);
      // The worker that just finished gets new work at once; others may have run dry
      // while the population was empty, or a retry may be waiting.
      while (outstanding[static_cast<std::size_t>(worker)] < settings_.in_flight &&
             send_next(worker)) {
      }
      feed_workers();
    }
    if (hooks.on_idle && hooks.on_idle() == IdleAction::kStop) {
      outcome.stopped = true;
      abandoned_batches_ += batches_out;
      break;
    }
  }
  log_failure_summary();
  if (!outcome.stopped && !stream.finished()) {
    throw common::Error("steady state: no task in flight, yet the stream is not finished");
  }
  outcome.attempts_failed = attempts_failed_;
  outcome.given_failure_fitness = given_failure_fitness_;
  return outcome;
}

EvaluationOutcome Dispatcher::evaluate_stream_locally(TaskStream& stream, std::uint64_t seed,
                                                      int job, const EvaluationHooks& hooks) {
  EvaluationOutcome result;
  const auto start = std::chrono::steady_clock::now();
  DispatchClock clock(*this);
  LocalCancellation cancellation(hooks.stop_requested);
  std::vector<double> fitness;
  std::optional<std::uint64_t> abandoned;  // drawn, given up on for a stop: still in flight
  while (!stream.finished()) {
    if (hooks.on_idle && hooks.on_idle() == IdleAction::kStop) {
      result.stopped = true;
      break;
    }
    const std::optional<std::uint64_t> id = abandoned ? abandoned : stream.next_task();
    abandoned.reset();
    if (!id)
      throw common::Error("steady state: no task to evaluate, yet the stream is not finished");
    const common::EvalContext context{seed, job, stream.generation_of(*id), *id};
    bool failed_for_good = false;
    fitness.resize(static_cast<std::size_t>(local_evaluator_->objectives()));
    for (int attempt = 1;; ++attempt) {
      const common::EvalOutcome outcome =
          common::evaluate_guarded(*local_evaluator_, stream.genome(*id), context, fitness);
      if (LocalCancellation::abandoned(outcome.status)) {
        abandoned = id;
        break;
      }
      if (outcome.status == common::EvalStatus::kOk) break;
      digest_generation(stream.generation_of(*id));
      const std::string what =
          fmt::format("individual {} ({}, rank 0, attempt {}): {}", *id,
                      common::status_name(outcome.status), attempt, outcome.detail);
      if (!retry_after_failure(attempt, static_cast<std::uint8_t>(outcome.status), what)) {
        fitness.assign(fitness.size(), policy_.failure_fitness);
        failed_for_good = true;
        break;
      }
    }
    if (abandoned) {
      // Not a failure: on_idle now checkpoints it as in flight and stops.
      cancellation.rearm();
      continue;
    }
    stream.complete(*id, fitness, failed_for_good);
    ++result.evaluated;
    if (hooks.on_results) hooks.on_results(std::span(&*id, 1));
  }
  stats_[0].tasks += result.evaluated + attempts_failed_ - given_failure_fitness_;
  stats_[0].busy_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log_failure_summary();
  result.attempts_failed = attempts_failed_;
  result.given_failure_fitness = given_failure_fitness_;
  return result;
}

void Dispatcher::set_worker_rng(std::span<const common::Rng::State> states) {
  worker_rng_.assign(states.begin(), states.end());
  for (int worker = 1; worker < transport_.size(); ++worker) {
    transport_.send(worker, common::Tag::kRngState,
                    common::pack_rng_state(states[static_cast<std::size_t>(worker - 1)]));
  }
}

void Dispatcher::discard_abandoned() {
  while (abandoned_batches_ > 0) {
    transport_.receive_any(message_);
    if (message_.tag == common::Tag::kResults) --abandoned_batches_;
  }
}

void Dispatcher::stop_workers(int exit_code) { common::stop_workers(transport_, exit_code); }

}  // namespace evo::master
