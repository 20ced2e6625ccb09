#include "common/evaluator.hpp"

#include <fmt/format.h>

#include <cmath>
#include <exception>

namespace evo::common {

EvalOutcome evaluate_guarded(Evaluator& evaluator, std::span<const double> genome,
                             const EvalContext& context, std::span<double> fitness) {
  EvalOutcome outcome;
  try {
    outcome = evaluator.evaluate(genome, context, fitness);
  } catch (const std::exception& e) {
    return {EvalStatus::kFailed, fmt::format("evaluator threw: {}", e.what())};
  }
  if (outcome.status != EvalStatus::kOk) return outcome;
  for (std::size_t k = 0; k < fitness.size(); ++k) {
    if (!std::isfinite(fitness[k])) {
      return {EvalStatus::kNonFinite, fmt::format("objective {} is {}", k, fitness[k])};
    }
  }
  return outcome;
}

}  // namespace evo::common
