#include "common/stopping_rules.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <vector>

namespace evo::common {
namespace {

// Best-so-far fitness after each logbook row: the running minimum of `min` (a row of only
// NaN — nothing evaluated — keeps the previous value). Taken over the rows, not the hall of
// fame, so that it is known for every earlier generation too (stagnation looks back).
std::vector<double> best_so_far(const Logbook& logbook) {
  std::vector<double> best;
  best.reserve(logbook.rows.size());
  double running = NAN;
  for (const LogRecord& row : logbook.rows) {
    if (!std::isnan(row.min) && (std::isnan(running) || row.min < running)) running = row.min;
    best.push_back(running);
  }
  return best;
}

std::optional<StopVerdict> target_met(const RunConfig& run, const std::vector<double>& best) {
  if (!run.target_fitness || best.empty() || std::isnan(best.back())) return std::nullopt;
  if (best.back() > *run.target_fitness) return std::nullopt;
  return StopVerdict{std::string(kStopTargetFitness),
                     fmt::format("best {:.10g} <= run.target_fitness = {:.10g}", best.back(),
                                 *run.target_fitness)};
}

std::optional<StopVerdict> budget_met(const RunConfig& run, std::int64_t evaluations) {
  if (run.max_evaluations <= 0 || evaluations < run.max_evaluations) return std::nullopt;
  return StopVerdict{
      std::string(kStopMaxEvaluations),
      fmt::format("{} evaluations >= run.max_evaluations = {}", evaluations, run.max_evaluations)};
}

// Stagnated after generation g when g >= N and the best-so-far fitness improved by no more
// than the tolerance (absolute) over the last N generations: best(g - N) - best(g) <= tol.
std::optional<StopVerdict> stagnation_met(const RunConfig& run, const std::vector<double>& best) {
  const std::int64_t window = run.stagnation_generations;
  if (window <= 0 || static_cast<std::int64_t>(best.size()) <= window) return std::nullopt;
  const double now = best.back();
  const double then = best[best.size() - 1 - static_cast<std::size_t>(window)];
  if (std::isnan(now) || std::isnan(then)) return std::nullopt;
  const double improvement = then - now;
  if (improvement > run.stagnation_tolerance) return std::nullopt;
  return StopVerdict{std::string(kStopStagnation),
                     fmt::format("best {:.10g} improved by {:.6g} in the last {} generations, "
                                 "run.stagnation_tolerance = {:.6g}",
                                 now, improvement, window, run.stagnation_tolerance)};
}

}  // namespace

std::optional<StopVerdict> stopping_rule_met(const RunConfig& run, const Logbook& logbook,
                                             std::int64_t evaluations) {
  if (!has_stopping_rule(run) || logbook.rows.empty()) return std::nullopt;
  const std::vector<double> best = best_so_far(logbook);
  if (auto verdict = target_met(run, best)) return verdict;
  if (auto verdict = budget_met(run, evaluations)) return verdict;
  return stagnation_met(run, best);
}

bool is_stopping_rule(std::string_view reason) {
  return reason == kStopTargetFitness || reason == kStopMaxEvaluations || reason == kStopStagnation;
}

std::optional<StopVerdict> stopping_rule_verdict(std::string_view reason, const RunConfig& run,
                                                 const Logbook& logbook, std::int64_t evaluations) {
  if (logbook.rows.empty()) return std::nullopt;
  if (reason == kStopMaxEvaluations) return budget_met(run, evaluations);
  const std::vector<double> best = best_so_far(logbook);
  if (reason == kStopTargetFitness) return target_met(run, best);
  if (reason == kStopStagnation) return stagnation_met(run, best);
  return std::nullopt;
}

bool has_stopping_rule(const RunConfig& run) {
  return run.target_fitness.has_value() || run.max_evaluations > 0 ||
         run.stagnation_generations > 0;
}

}  // namespace evo::common
