#include "master/dispatcher.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/error.hpp"

namespace evo::master {
namespace {

// A batch should keep a worker busy for about this long: long enough to amortise a
// message, short enough that the last batches of a generation balance across workers.
constexpr double kTargetBatchSeconds = 0.005;
constexpr std::size_t kMaxBatch = 4096;
// How often on_idle runs while no result arrives: signals are answered within this.
constexpr double kIdlePollSeconds = 0.02;

std::string failure_message(std::uint64_t generation, std::uint64_t index, int rank,
                            const std::string& detail) {
  return fmt::format("evaluation of individual {} in generation {} failed on rank {}: {}", index,
                     generation, rank, detail);
}

}  // namespace

Dispatcher::Dispatcher(common::Transport& transport, common::Evaluator* local_evaluator,
                       const common::DispatchConfig& settings)
    : transport_(transport),
      local_evaluator_(local_evaluator),
      settings_(settings),
      stats_(static_cast<std::size_t>(transport.size())),
      worker_rng_(static_cast<std::size_t>(transport.size() - 1)) {
  if (transport.size() == 1 && local_evaluator == nullptr) {
    throw common::Error("a single-rank run needs a local evaluator");
  }
}

std::size_t Dispatcher::batch_size(std::size_t remaining) const {
  if (settings_.batch > 0) return static_cast<std::size_t>(settings_.batch);
  // Until a worker has reported timings, send single tasks: cheap to learn from and
  // safe for slow fitness functions.
  if (seconds_per_task_ <= 0) return 1;
  auto by_time = static_cast<std::size_t>(kTargetBatchSeconds / seconds_per_task_);
  // Leave enough batches that every worker's queue can be refilled to the end.
  const auto slots = static_cast<std::size_t>(worker_count() * settings_.in_flight);
  const std::size_t by_balance = (remaining + 2 * slots - 1) / (2 * slots);
  return std::clamp<std::size_t>(std::min(by_time, by_balance), 1, kMaxBatch);
}

void Dispatcher::send_batch(int worker, const common::Population& population,
                            std::span<const std::size_t> indices, int job,
                            std::uint64_t generation) {
  task_batch_.job = job;
  task_batch_.generation = generation;
  task_batch_.dimension = static_cast<std::uint32_t>(population.dimension);
  task_batch_.indices.assign(indices.begin(), indices.end());
  task_batch_.genes.resize(indices.size() * population.dimension);
  for (std::size_t k = 0; k < indices.size(); ++k) {
    auto genome = population.genome(indices[k]);
    std::copy(genome.begin(), genome.end(),
              task_batch_.genes.begin() + static_cast<std::ptrdiff_t>(k * population.dimension));
  }
  common::pack_tasks(task_batch_, wire_);
  transport_.send(worker, common::Tag::kTasks, wire_);
}

int Dispatcher::store_results(const common::Message& message, common::Population& population) {
  if (message.tag == common::Tag::kWorkerError) {
    throw common::EvaluationError(
        fmt::format("worker rank {}: {}", message.source, common::unpack_text(message.payload)));
  }
  if (message.tag != common::Tag::kResults) {
    throw common::Error(fmt::format("unexpected message tag {} from rank {} during evaluation",
                                    static_cast<int>(message.tag), message.source));
  }
  common::unpack_results(message.payload, result_batch_);
  if (result_batch_.objectives != population.objectives) {
    throw common::EvaluationError(fmt::format("rank {} returned {} objectives, expected {}",
                                              message.source, result_batch_.objectives,
                                              population.objectives));
  }
  std::size_t failure = 0;
  for (std::size_t k = 0; k < result_batch_.size(); ++k) {
    const std::uint64_t index = result_batch_.indices[k];
    if (result_batch_.statuses[k] != static_cast<std::uint8_t>(common::EvalStatus::kOk)) {
      const std::string detail =
          failure < result_batch_.details.size() ? result_batch_.details[failure] : "no detail";
      throw common::EvaluationError(
          failure_message(task_batch_.generation, index, message.source, detail));
    }
    // Stored by task index, never arrival order: results must not depend on how many
    // workers there are or which one was fastest.
    std::copy_n(
        result_batch_.fitness.begin() + static_cast<std::ptrdiff_t>(k * result_batch_.objectives),
        result_batch_.objectives, population.fitness_of(index).begin());
  }
  worker_rng_[static_cast<std::size_t>(message.source - 1)] = result_batch_.worker_rng;
  WorkerStats& stats = stats_[static_cast<std::size_t>(message.source)];
  stats.tasks += static_cast<std::int64_t>(result_batch_.size());
  stats.batches += 1;
  stats.busy_seconds += result_batch_.busy_seconds;
  if (result_batch_.size() > 0) {
    const double observed = result_batch_.busy_seconds / static_cast<double>(result_batch_.size());
    seconds_per_task_ =
        seconds_per_task_ <= 0 ? observed : 0.8 * seconds_per_task_ + 0.2 * observed;
  }
  return message.source;
}

EvaluationOutcome Dispatcher::evaluate(common::Population& population, std::uint64_t seed, int job,
                                       std::uint64_t generation, const EvaluationHooks& hooks) {
  if (transport_.size() == 1) return evaluate_locally(population, seed, job, generation, hooks);
  discard_abandoned();

  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < population.size(); ++i) {
    if (!population.evaluated(i)) pending.push_back(i);
  }
  EvaluationOutcome outcome;
  std::size_t next = 0;
  std::vector<int> outstanding(static_cast<std::size_t>(transport_.size()), 0);
  int batches_out = 0;

  auto send_next = [&](int worker) {
    const std::size_t count = std::min(batch_size(pending.size() - next), pending.size() - next);
    send_batch(worker, population, std::span(pending).subspan(next, count), job, generation);
    next += count;
    ++outstanding[static_cast<std::size_t>(worker)];
    ++batches_out;
  };
  // Round-robin the first batches so every worker starts at once.
  for (int round = 0; round < settings_.in_flight; ++round) {
    for (int worker = 1; worker < transport_.size() && next < pending.size(); ++worker) {
      send_next(worker);
    }
  }
  while (batches_out > 0) {
    std::optional<common::Message> message = transport_.try_receive_any(kIdlePollSeconds);
    if (message) {
      const int worker = store_results(*message, population);
      --outstanding[static_cast<std::size_t>(worker)];
      --batches_out;
      outcome.evaluated += static_cast<std::int64_t>(result_batch_.size());
      if (hooks.on_results) hooks.on_results(result_batch_.indices);
      // Dynamic load balancing: the worker that just finished gets the next batch.
      while (next < pending.size() &&
             outstanding[static_cast<std::size_t>(worker)] < settings_.in_flight) {
        send_next(worker);
      }
    }
    if (hooks.on_idle && hooks.on_idle() == IdleAction::kStop) {
      // Batches still out are abandoned: their results are recomputed after a restart.
      outcome.stopped = true;
      abandoned_batches_ += batches_out;
      return outcome;
    }
  }
  return outcome;
}

EvaluationOutcome Dispatcher::evaluate_locally(common::Population& population, std::uint64_t seed,
                                               int job, std::uint64_t generation,
                                               const EvaluationHooks& hooks) {
  EvaluationOutcome result;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < population.size(); ++i) {
    if (population.evaluated(i)) continue;
    if (hooks.on_idle && hooks.on_idle() == IdleAction::kStop) {
      result.stopped = true;
      break;
    }
    const common::EvalContext context{seed, job, generation, i};
    common::EvalOutcome outcome =
        local_evaluator_->evaluate(population.genome(i), context, population.fitness_of(i));
    if (outcome.status != common::EvalStatus::kOk) {
      throw common::EvaluationError(failure_message(generation, i, 0, outcome.detail));
    }
    ++result.evaluated;
    if (hooks.on_results) {
      const std::uint64_t index = i;
      hooks.on_results(std::span(&index, 1));
    }
  }
  stats_[0].tasks += result.evaluated;
  stats_[0].busy_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
    const common::Message message = transport_.receive_any();
    if (message.tag == common::Tag::kResults) --abandoned_batches_;
  }
}

void Dispatcher::stop_workers(int exit_code) {
  const auto payload = common::pack_text(std::to_string(exit_code));
  for (int worker = 1; worker < transport_.size(); ++worker) {
    transport_.send(worker, common::Tag::kStop, payload);
  }
}

}  // namespace evo::master
