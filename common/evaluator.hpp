// The seam between whoever hands out evaluations (master, worker loop) and whatever
// computes a fitness (built-in problem, external program, plugin).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace evo::common {

// Identifies one evaluation; its randomness is Rng::for_evaluation of these.
struct EvalContext {
  std::uint64_t seed = 0;
  int job = 0;
  std::uint64_t generation = 0;
  std::uint64_t index = 0;
};

enum class EvalStatus : std::uint8_t { kOk = 0, kFailed = 1 };

struct EvalOutcome {
  EvalStatus status = EvalStatus::kOk;
  std::string detail;  // why it failed
};

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  virtual int objectives() const = 0;
  // Writes objectives() values (minimised) into `fitness`.
  virtual EvalOutcome evaluate(std::span<const double> genome, const EvalContext& context,
                               std::span<double> fitness) = 0;
};

}  // namespace evo::common
