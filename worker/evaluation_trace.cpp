#include "worker/evaluation_trace.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/error.hpp"

namespace evo::worker {

TracedEvaluator::TracedEvaluator(std::unique_ptr<common::Evaluator> inner,
                                 const std::string& trace_file)
    : inner_(std::move(inner)),
      fd_(::open(trace_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {
  if (fd_ < 0) {
    throw common::ConfigError(
        fmt::format("EVO_EVAL_TRACE: cannot open '{}': {}", trace_file, std::strerror(errno)));
  }
}

TracedEvaluator::~TracedEvaluator() { ::close(fd_); }

common::EvalOutcome TracedEvaluator::evaluate(std::span<const double> genome,
                                              const common::EvalContext& context,
                                              std::span<double> fitness) {
  common::EvalOutcome outcome = inner_->evaluate(genome, context, fitness);
  const std::string line =
      fmt::format("{} {} {}\n", context.job, context.generation, context.index);
  // Best effort: a trace that cannot be written must not change the run.
  [[maybe_unused]] const ssize_t written = ::write(fd_, line.data(), line.size());
  return outcome;
}

std::unique_ptr<common::Evaluator> traced_if_requested(
    std::unique_ptr<common::Evaluator> evaluator) {
  const char* trace_file = std::getenv("EVO_EVAL_TRACE");
  if (trace_file == nullptr || *trace_file == '\0') return evaluator;
  return std::make_unique<TracedEvaluator>(std::move(evaluator), trace_file);
}

}  // namespace evo::worker
