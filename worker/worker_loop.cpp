#include "worker/worker_loop.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <new>
#include <numeric>
#include <string>

#include "common/activity.hpp"
#include "common/cancellation.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/rng.hpp"

namespace evo::worker {

namespace {

// Evaluator::evaluate_run for one run of tasks, entries k.. of `results`; false when the
// evaluator has no run path (the caller then takes the block or one-by-one path).
bool evaluate_as_run(common::Evaluator& evaluator, std::uint64_t seed,
                     const common::TaskBatchView& tasks, const common::TaskRun& run,
                     common::ResultPacker& results, std::size_t k) {
  const auto count = static_cast<std::size_t>(run.count);
  const auto objectives = static_cast<std::size_t>(evaluator.objectives());
  const common::EvalContext first{seed, tasks.job(), tasks.generation(), run.first_index};
  std::optional<common::EvalOutcome> outcome;
  try {
    outcome = evaluator.evaluate_run(tasks.rows(run.first_row, count), tasks.dimension(), first,
                                     results.fitness().subspan(k * objectives, count * objectives));
  } catch (const std::exception& e) {
    outcome = common::EvalOutcome{common::EvalStatus::kFailed,
                                  fmt::format("evaluator threw: {}", e.what())};
  }
  if (!outcome) return false;
  for (std::size_t i = 0; i < count; ++i) {
    if (outcome->status != common::EvalStatus::kOk) {
      results.fail(k + i, outcome->status, outcome->detail);
      continue;
    }
    const std::span<double> fitness = results.fitness(k + i);
    for (std::size_t j = 0; j < fitness.size(); ++j) {
      if (!std::isfinite(fitness[j])) {
        results.fail(k + i, common::EvalStatus::kNonFinite,
                     fmt::format("objective {} is {}", j, fitness[j]));
        break;
      }
    }
  }
  return true;
}

}  // namespace

double evaluate_tasks(common::Evaluator& evaluator, std::uint64_t seed,
                      const common::TaskBatchView& tasks, common::ResultPacker& results) {
  const auto start = std::chrono::steady_clock::now();
  const auto objectives = static_cast<std::size_t>(evaluator.objectives());
  std::size_t k = 0;  // the entry of the run's first task
  for (const common::TaskRun& run : tasks.runs()) {
    const auto count = static_cast<std::size_t>(run.count);
    const std::span<std::uint64_t> indices = results.indices().subspan(k, count);
    std::iota(indices.begin(), indices.end(), run.first_index);
    if (evaluate_as_run(evaluator, seed, tasks, run, results, k)) {
      k += count;
      continue;
    }
    bool block = false;
    try {
      block =
          evaluator.evaluate_block(tasks.rows(run.first_row, count), tasks.dimension(),
                                   results.fitness().subspan(k * objectives, count * objectives));
    } catch (const std::exception&) {
      block = false;
    }
    for (std::size_t i = 0; i < count; ++i) {
      const std::span<double> fitness = results.fitness(k + i);
      if (block &&
          std::ranges::all_of(fitness, [](double value) { return std::isfinite(value); })) {
        continue;
      }
      const common::EvalContext context{seed, tasks.job(), tasks.generation(), indices[i]};
      const common::EvalOutcome outcome =
          common::evaluate_guarded(evaluator, tasks.rows(run.first_row + i, 1), context, fitness);
      // The master stopped the run: what is left of the batch is of no use to it.
      if (common::cancellation_requested()) break;
      if (outcome.status != common::EvalStatus::kOk) {
        results.fail(k + i, outcome.status, outcome.detail);
      }
    }
    if (common::cancellation_requested()) break;
    k += count;
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

namespace {

// Evaluates one task message and sends its results back to the master.
void answer_tasks(common::Transport& transport, common::Evaluator& evaluator, std::uint64_t seed,
                  const common::Rng& rng, std::span<const std::byte> payload) {
  const common::TaskBatchView tasks(payload);
  common::ResultPacker results(transport.next_send_buffer(),
                               static_cast<std::uint32_t>(evaluator.objectives()), tasks.size());
  const double busy_seconds = evaluate_tasks(evaluator, seed, tasks, results);
  if (common::cancellation_requested()) return;  // abandoned: the master wants no answer
  results.finish(busy_seconds, rng.state());
  transport.send_buffer(0, common::Tag::kResults);
}

}  // namespace

int run_worker(common::Transport& transport, common::Evaluator& evaluator, std::uint64_t seed) {
  // The worker's own stream; the master sets it for every job (and restores it from
  // checkpoints). Built-in problems draw from the per-evaluation stream instead.
  common::Rng rng = common::Rng::for_worker(seed, 0, transport.rank());
  // Reused from message to message: after the first few, a batch allocates nothing.
  common::Message message;
  // A stop from the master while a batch is being evaluated abandons the batch (and the
  // ones queued behind it): the master has checkpointed what finished and waits for no
  // result, only for every rank to exit.
  common::set_cancellation_check(
      [&transport] { return transport.message_waiting(0, common::Tag::kStop); });
  for (;;) {
    transport.receive_any(message);
    try {
      switch (message.tag) {
        case common::Tag::kTasks:
          if (common::cancellation_requested()) break;  // the stop behind it comes next
          answer_tasks(transport, evaluator, seed, rng, message.payload);
          break;
        case common::Tag::kRngState:
          rng = common::Rng::from_state(common::unpack_rng_state(message.payload));
          break;
        case common::Tag::kStop:
          common::set_cancellation_check({});
          return common::stop_exit_code(message);
        default:
          throw common::Error(fmt::format("unexpected message tag {} from rank {}",
                                          static_cast<int>(message.tag), message.source));
      }
    } catch (const std::exception& e) {
      const std::string text = dynamic_cast<const std::bad_alloc*>(&e) != nullptr
                                   ? common::out_of_memory_message()
                                   : std::string(e.what());
      spdlog::error("{}", text);
      transport.send(0, common::Tag::kWorkerError,
                     common::pack_worker_error({common::kExitFailure, text}));
    }
  }
}

}  // namespace evo::worker
