#include "worker/worker_loop.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/rng.hpp"

namespace evo::worker {

double evaluate_tasks(common::Evaluator& evaluator, std::uint64_t seed,
                      const common::TaskBatchView& tasks, common::ResultPacker& results) {
  const auto start = std::chrono::steady_clock::now();
  bool block = false;
  try {
    block = evaluator.evaluate_block(tasks.genes(), tasks.dimension(), results.fitness());
  } catch (const std::exception&) {
    block = false;
  }
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    const std::span<double> fitness = results.fitness(k);
    if (block && std::ranges::all_of(fitness, [](double value) { return std::isfinite(value); })) {
      continue;
    }
    const common::EvalContext context{seed, tasks.job(), tasks.generation(), tasks.indices()[k]};
    const common::EvalOutcome outcome =
        common::evaluate_guarded(evaluator, tasks.genome(k), context, fitness);
    if (outcome.status != common::EvalStatus::kOk) results.fail(k, outcome.status, outcome.detail);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

namespace {

// Evaluates one task message and sends its results back to the master.
void answer_tasks(common::Transport& transport, common::Evaluator& evaluator, std::uint64_t seed,
                  const common::Rng& rng, std::span<const std::byte> payload) {
  const common::TaskBatchView tasks(payload);
  common::ResultPacker results(transport.next_send_buffer(),
                               static_cast<std::uint32_t>(evaluator.objectives()), tasks.indices());
  const double busy_seconds = evaluate_tasks(evaluator, seed, tasks, results);
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
  for (;;) {
    transport.receive_any(message);
    try {
      switch (message.tag) {
        case common::Tag::kTasks:
          answer_tasks(transport, evaluator, seed, rng, message.payload);
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
