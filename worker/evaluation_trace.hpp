// Test and audit aid: with EVO_EVAL_TRACE=<file> in the environment, every evaluation
// appends "job generation index" to <file> (one O_APPEND write per line, so lines from
// several ranks never interleave). The torture test counts recomputed evaluations with it.
#pragma once

#include <memory>
#include <string>

#include "common/evaluator.hpp"

namespace evo::worker {

class TracedEvaluator : public common::Evaluator {
 public:
  TracedEvaluator(std::unique_ptr<common::Evaluator> inner, const std::string& trace_file);
  ~TracedEvaluator() override;
  int objectives() const override { return inner_->objectives(); }
  common::EvalOutcome evaluate(std::span<const double> genome, const common::EvalContext& context,
                               std::span<double> fitness) override;

 private:
  std::unique_ptr<common::Evaluator> inner_;
  int fd_;
};

// Wraps `evaluator` when EVO_EVAL_TRACE is set; returns it unchanged otherwise.
std::unique_ptr<common::Evaluator> traced_if_requested(
    std::unique_ptr<common::Evaluator> evaluator);

}  // namespace evo::worker
