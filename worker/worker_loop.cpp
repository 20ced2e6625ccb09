#include "worker/worker_loop.hpp"

#include <fmt/format.h>

#include <chrono>
#include <exception>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/messages.hpp"
#include "common/rng.hpp"

namespace evo::worker {
namespace {

void evaluate_batch(common::Evaluator& evaluator, std::uint64_t seed,
                    const common::TaskBatch& tasks, common::ResultBatch& results) {
  const auto objectives = static_cast<std::size_t>(evaluator.objectives());
  results.objectives = static_cast<std::uint32_t>(objectives);
  results.indices = tasks.indices;
  results.statuses.assign(tasks.size(), static_cast<std::uint8_t>(common::EvalStatus::kOk));
  results.fitness.assign(tasks.size() * objectives, 0.0);
  results.details.clear();
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    const common::EvalContext context{seed, tasks.job, tasks.generation, tasks.indices[k]};
    std::span<double> fitness(results.fitness.data() + k * objectives, objectives);
    const common::EvalOutcome outcome =
        common::evaluate_guarded(evaluator, tasks.genome(k), context, fitness);
    if (outcome.status != common::EvalStatus::kOk) {
      results.statuses[k] = static_cast<std::uint8_t>(outcome.status);
      results.details.push_back(outcome.detail);
    }
  }
  results.busy_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int run_worker(common::Transport& transport, common::Evaluator& evaluator, std::uint64_t seed) {
  // The worker's own stream; the master sets it for every job (and restores it from
  // checkpoints). Built-in problems draw from the per-evaluation stream instead.
  common::Rng rng = common::Rng::for_worker(seed, 0, transport.rank());
  // Reused from batch to batch: after the first few, a batch allocates nothing.
  common::TaskBatch tasks;
  common::ResultBatch results;
  common::Message message;
  for (;;) {
    transport.receive_any(message);
    try {
      switch (message.tag) {
        case common::Tag::kTasks:
          common::unpack_tasks(message.payload, tasks);
          evaluate_batch(evaluator, seed, tasks, results);
          results.worker_rng = rng.state();
          common::pack_results(results, transport.next_send_buffer());
          transport.send_buffer(0, common::Tag::kResults);
          break;
        case common::Tag::kRngState:
          rng = common::Rng::from_state(common::unpack_rng_state(message.payload));
          break;
        case common::Tag::kStop:
          return common::stop_exit_code(message);
        default:
          throw common::Error(fmt::format("unexpected message tag {} from rank {}",
                                          static_cast<int>(message.tag), message.source));
      }
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      transport.send(0, common::Tag::kWorkerError,
                     common::pack_worker_error({common::kExitFailure, e.what()}));
    }
  }
}

}  // namespace evo::worker
