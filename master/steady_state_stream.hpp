// SteadyState as the dispatcher's TaskStream: births on demand, insertion on arrival, and a
// call at the end of every generation (N insertions) for the logbook and checkpoints.
#pragma once

#include <functional>
#include <utility>

#include "master/dispatcher.hpp"
#include "master/offspring_guard.hpp"
#include "master/steady_state.hpp"

namespace evo::master {

class SteadyStateStream : public TaskStream {
 public:
  // `on_generation_end(failed)` runs right after the insertion that completes a generation;
  // `failed` = individuals of that generation's insertions that got the failure fitness.
  // Every birth passes `guard` before the dispatcher sends it.
  SteadyStateStream(SteadyState& algorithm, common::Rng& rng, const OffspringGuard& guard,
                    std::function<void(std::int64_t failed)> on_generation_end)
      : algorithm_(algorithm),
        rng_(rng),
        guard_(guard),
        on_generation_end_(std::move(on_generation_end)) {}

  std::optional<std::uint64_t> next_task() override {
    const std::optional<std::uint64_t> birth = algorithm_.next_birth(rng_);
    if (birth) {
      guard_.check_one(algorithm_.genome(*birth),
                       static_cast<std::int64_t>(algorithm_.generation_of(*birth)), *birth);
    }
    return birth;
  }
  std::span<const double> genome(std::uint64_t id) const override { return algorithm_.genome(id); }
  std::uint64_t generation_of(std::uint64_t id) const override {
    return algorithm_.generation_of(id);
  }
  void complete(std::uint64_t id, std::span<const double> fitness,
                bool given_failure_fitness) override {
    algorithm_.insert(id, fitness, rng_);
    failed_ += given_failure_fitness ? 1 : 0;
    if (algorithm_.at_generation_end()) {
      const std::int64_t failed = std::exchange(failed_, 0);
      on_generation_end_(failed);
    }
  }
  bool finished() const override { return algorithm_.finished(); }
  std::size_t batch_scale() const override { return algorithm_.population_size(); }

 private:
  SteadyState& algorithm_;
  common::Rng& rng_;
  const OffspringGuard& guard_;
  std::function<void(std::int64_t)> on_generation_end_;
  std::int64_t failed_ = 0;
};

}  // namespace evo::master
