// Keeps a flaky evaluator from flooding the log: of each generation's failed evaluation
// attempts the first few that are retried and the first few that get the failure fitness are
// logged in full, the rest only counted by class and reported in one summary line when the
// generation's evaluation ends. The counts are the logbook's
// status_* columns in words; nothing here changes what is evaluated or retried.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "common/evaluator.hpp"

namespace evo::master {

// Failed attempts of a generation logged in full, of those retried and of those given the
// failure fitness each, before they are only counted.
inline constexpr int kFailuresLoggedInFull = 3;

class FailureDigest {
 public:
  explicit FailureDigest(int logged_in_full = kFailuresLoggedInFull)
      : logged_in_full_(logged_in_full) {}

  // Starts counting `generation`'s failures afresh.
  void begin(std::uint64_t generation);
  std::uint64_t generation() const { return generation_; }
  // Counts a failed attempt of class `status` (an EvalStatus value), `retried` or given the
  // failure fitness; true while it is among the generation's first `logged_in_full` of its
  // kind, i.e. when the caller logs it in full.
  bool log_in_full(std::uint8_t status, bool retried);
  // "generation 12: 37 more failures (timeout 30, non_zero_exit 7)" for the attempts not
  // logged in full since begin(), classes in EvalStatus order; nullopt when there are none.
  std::optional<std::string> summary() const;

 private:
  int logged_in_full_;
  std::uint64_t generation_ = 0;
  std::array<int, 2> seen_{};  // logged in full: [0] given the failure fitness, [1] retried
  std::array<std::int64_t, common::kLastEvalStatus + 1> held_back_{};
};

}  // namespace evo::master
