// The seam between whoever hands out evaluations (master, worker loop) and whatever
// computes a fitness (built-in problem, external program, plugin).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
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

// How an evaluation ended. The values travel on the wire (ResultBatch::statuses): append,
// never renumber.
enum class EvalStatus : std::uint8_t {
  kOk = 0,
  kFailed = 1,       // evaluator exception or any other failure
  kNonZeroExit = 2,  // external program exited with a code other than 0
  kSignaled = 3,     // external program killed by a signal
  kTimeout = 4,      // external program still running after command.timeout_s
  kGarbage = 5,      // output is not exactly the expected numbers
  kNonFinite = 6,    // a NaN or infinite objective
};
inline constexpr std::uint8_t kLastEvalStatus = 6;

// "ok", "failed", "non_zero_exit", "signaled", "timeout", "garbage", "non_finite";
// "unknown" for any other value.
constexpr const char* status_name(EvalStatus status) {
  switch (status) {
    case EvalStatus::kOk:
      return "ok";
    case EvalStatus::kFailed:
      return "failed";
    case EvalStatus::kNonZeroExit:
      return "non_zero_exit";
    case EvalStatus::kSignaled:
      return "signaled";
    case EvalStatus::kTimeout:
      return "timeout";
    case EvalStatus::kGarbage:
      return "garbage";
    case EvalStatus::kNonFinite:
      return "non_finite";
  }
  return "unknown";
}

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
  // A fast path for cheap, pure fitness functions, where a call, an outcome and a context per
  // genome cost more than the fitness itself: evaluates genomes of `dimension` genes stored
  // back to back into `fitness` (objectives() values each), with exactly the values
  // evaluate() would give. Returns false when this evaluator has no such path for them (it
  // needs the context, may fail or sleeps); the caller then evaluates them one by one.
  virtual bool evaluate_block(std::span<const double> /*genes*/, std::size_t /*dimension*/,
                              std::span<double> /*fitness*/) {
    return false;
  }
  // A batch path for evaluators that cost more per call than per genome and need the
  // tasks' contexts (python with batch = true): evaluates the `fitness.size() /
  // objectives()` genomes stored back to back in `genes`, the tasks `first.index`,
  // `first.index + 1`, ... of `first`'s job and generation. Returns nullopt when this
  // evaluator has no such path; otherwise an outcome that holds for every genome of the run
  // (the caller checks each ok entry for a non-finite objective).
  virtual std::optional<EvalOutcome> evaluate_run(std::span<const double> /*genes*/,
                                                  std::size_t /*dimension*/,
                                                  const EvalContext& /*first*/,
                                                  std::span<double> /*fitness*/) {
    return std::nullopt;
  }
};

// The one way both sides run an evaluator: an exception becomes kFailed and a NaN or
// infinite objective kNonFinite, whatever the evaluator (a NaN would otherwise read as
// "not evaluated yet" on the master).
EvalOutcome evaluate_guarded(Evaluator& evaluator, std::span<const double> genome,
                             const EvalContext& context, std::span<double> fitness);

}  // namespace evo::common
