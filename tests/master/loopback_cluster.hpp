// A master endpoint and scripted worker threads on a LoopbackNetwork, for unit tests of the
// dispatcher and the job loops without mpirun. Each worker answers task batches as a real
// worker does (the sphere function, results packed in place); a failure script decides
// which attempts fail, and every attempt is recorded with the rank that made it.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <vector>

#include "common/evaluator.hpp"
#include "common/loopback_transport.hpp"
#include "common/messages.hpp"

namespace evo::test {

struct Attempt {
  std::uint64_t generation;
  std::uint64_t index;
  int rank;
  bool ok;
};

// (rank, generation, index, attempts of that task made before) -> the status to fail with,
// or nullopt to evaluate it.
using FailureScript = std::function<std::optional<common::EvalStatus>(
    int rank, std::uint64_t generation, std::uint64_t index, int attempt)>;

inline double sphere(std::span<const double> genome) {
  double sum = 0;
  for (double gene : genome) sum += gene * gene;
  return sum;
}

class LoopbackCluster {
 public:
  explicit LoopbackCluster(int workers, FailureScript script = {})
      : network_(workers + 1), script_(std::move(script)) {
    for (int rank = 1; rank <= workers; ++rank) {
      threads_.emplace_back([this, rank] { serve(network_.endpoint(rank)); });
    }
  }
  ~LoopbackCluster() {
    // Workers the test did not stop (or that outlive an exception) are stopped here; a
    // second kStop to a stopped worker is never read.
    if (!network_.abort_code()) {
      try {
        common::stop_workers(master(), 0);
      } catch (const common::LoopbackAborted&) {
      }
    }
    for (auto& thread : threads_) thread.join();
  }
  LoopbackCluster(const LoopbackCluster&) = delete;
  LoopbackCluster& operator=(const LoopbackCluster&) = delete;

  common::Transport& master() { return network_.endpoint(0); }
  common::LoopbackNetwork& network() { return network_; }
  // Makes `rank` report a fatal error instead of answering its next task batch.
  void fail_worker_with_error(int rank) {
    const std::lock_guard lock(mutex_);
    error_rank_ = rank;
  }
  std::vector<Attempt> attempts() const {
    const std::lock_guard lock(mutex_);
    return attempts_;
  }
  // Ranks that attempted (generation, index), in order.
  std::vector<int> ranks_of(std::uint64_t generation, std::uint64_t index) const {
    std::vector<int> ranks;
    for (const Attempt& a : attempts()) {
      if (a.generation == generation && a.index == index) ranks.push_back(a.rank);
    }
    return ranks;
  }

 private:
  void serve(common::Transport& transport) {
    common::Message message;
    try {
      for (;;) {
        transport.receive_any(message);
        if (message.tag == common::Tag::kStop) return;
        if (message.tag != common::Tag::kTasks) continue;  // kRngState: workers never draw
        {
          const std::lock_guard lock(mutex_);
          if (error_rank_ == transport.rank()) {
            error_rank_.reset();
            transport.send(0, common::Tag::kWorkerError,
                           common::pack_worker_error({common::kExitFailure, "scripted error"}));
            continue;
          }
        }
        answer(transport, message);
      }
    } catch (const common::LoopbackAborted&) {
    }
  }

  void answer(common::Transport& transport, const common::Message& message) {
    const common::TaskBatchView tasks(message.payload);
    common::ResultPacker results(transport.next_send_buffer(), 1, tasks.size());
    std::size_t k = 0;
    for (const common::TaskRun& run : tasks.runs()) {
      for (std::uint64_t i = 0; i < run.count; ++i, ++k) {
        const std::uint64_t index = run.first_index + i;
        results.indices()[k] = index;
        std::optional<common::EvalStatus> failure;
        {
          const std::lock_guard lock(mutex_);
          int& before = attempt_counts_[{tasks.generation(), index}];
          if (script_) failure = script_(transport.rank(), tasks.generation(), index, before);
          ++before;
          attempts_.push_back({tasks.generation(), index, transport.rank(), !failure});
        }
        if (failure) {
          results.fail(k, *failure, "scripted failure");
        } else {
          results.fitness(k)[0] = sphere(tasks.rows(run.first_row + i, 1));
        }
      }
    }
    results.finish(0.0, common::Rng::State{});
    transport.send_buffer(0, common::Tag::kResults);
  }

  common::LoopbackNetwork network_;
  FailureScript script_;
  mutable std::mutex mutex_;
  std::map<std::tuple<std::uint64_t, std::uint64_t>, int> attempt_counts_;
  std::vector<Attempt> attempts_;
  std::optional<int> error_rank_;
  std::vector<std::thread> threads_;
};

}  // namespace evo::test
