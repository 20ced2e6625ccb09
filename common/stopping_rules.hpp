// The stopping rules besides run.generations: run.target_fitness, run.max_evaluations and
// run.stagnation_generations (with run.stagnation_tolerance); docs/configuration.md.
//
// Each rule is a function of the logbook and the job's evaluation count alone — what every
// checkpoint holds — judged after a generation is complete. So the verdict depends on
// neither the rank count nor batch timing, a run resumed from any checkpoint (or replayed
// from the journal after a kill -9) reaches the same verdict at the same generation, and
// the checkpoint validator can check a final checkpoint's stop_reason with the same code.
//
// Fitness means objective 0, minimised (the logbook's `min` column); the config refuses
// target_fitness and stagnation_generations for several objectives.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/config.hpp"
#include "common/logbook.hpp"

namespace evo::common {

// The stop_reason names of the rules, as written to a final checkpoint.
inline constexpr std::string_view kStopTargetFitness = "target_fitness";
inline constexpr std::string_view kStopMaxEvaluations = "max_evaluations";
inline constexpr std::string_view kStopStagnation = "stagnation";

struct StopVerdict {
  std::string reason;  // one of the names above
  std::string detail;  // for the console, e.g. "best 9.1e-03 <= run.target_fitness = 0.01"
};

// The first rule that holds after the logbook's last row, in the order target_fitness,
// max_evaluations, stagnation; nullopt when none does (or the logbook is empty).
// `evaluations` = evaluations of the job so far (the checkpoint's root attribute).
std::optional<StopVerdict> stopping_rule_met(const RunConfig& run, const Logbook& logbook,
                                             std::int64_t evaluations);

// Whether `reason` is one of the rules' names; that rule's verdict when it holds, else
// nullopt (also for a name that is no rule).
bool is_stopping_rule(std::string_view reason);
std::optional<StopVerdict> stopping_rule_verdict(std::string_view reason, const RunConfig& run,
                                                 const Logbook& logbook, std::int64_t evaluations);

// Whether any rule is configured.
bool has_stopping_rule(const RunConfig& run);

}  // namespace evo::common
