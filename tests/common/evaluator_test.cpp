#include "common/evaluator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace evo::common {
namespace {

// Returns `value` as its one objective, or throws when told to.
class FixedEvaluator : public Evaluator {
 public:
  explicit FixedEvaluator(double value, bool throws = false) : value_(value), throws_(throws) {}
  int objectives() const override { return 1; }
  EvalOutcome evaluate(std::span<const double>, const EvalContext&,
                       std::span<double> fitness) override {
    if (throws_) throw std::runtime_error("boom");
    fitness[0] = value_;
    return {};
  }

 private:
  double value_;
  bool throws_;
};

EvalOutcome run(FixedEvaluator evaluator) {
  double fitness = 0;
  const double genome[1] = {0};
  return evaluate_guarded(evaluator, genome, {}, std::span(&fitness, 1));
}

TEST(EvaluateGuarded, PassesAFiniteResultThrough) {
  EXPECT_EQ(run(FixedEvaluator(2.5)).status, EvalStatus::kOk);
}

TEST(EvaluateGuarded, AnExceptionIsAFailureWithItsMessage) {
  const EvalOutcome outcome = run(FixedEvaluator(0, /*throws=*/true));
  EXPECT_EQ(outcome.status, EvalStatus::kFailed);
  EXPECT_NE(outcome.detail.find("boom"), std::string::npos);
}

TEST(EvaluateGuarded, NanOrInfinityIsNonFinite) {
  EXPECT_EQ(run(FixedEvaluator(std::nan(""))).status, EvalStatus::kNonFinite);
  EXPECT_EQ(run(FixedEvaluator(std::numeric_limits<double>::infinity())).status,
            EvalStatus::kNonFinite);
}

}  // namespace
}  // namespace evo::common
