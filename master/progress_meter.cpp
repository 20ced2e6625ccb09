#include "master/progress_meter.hpp"

#include <fmt/format.h>

#include <cmath>
#include <utility>

namespace evo::master {

ProgressMeter::ProgressMeter(ProgressPlan plan, double interval_seconds, Clock::time_point start)
    : plan_(std::move(plan)),
      interval_(std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(interval_seconds))),
      start_(start),
      next_due_(start + interval_) {}

std::optional<std::string> ProgressMeter::advance(std::int64_t count, Clock::time_point now) {
  done_now_ += count;
  if (now < next_due_) return std::nullopt;
  next_due_ = now + interval_;
  const std::int64_t done = plan_.done_before + done_now_;
  if (done >= plan_.needed) return std::nullopt;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done_now_) / seconds : 0;
  const auto left_in_generation = static_cast<double>(plan_.needed - done);
  std::string eta = "ETA unknown";
  if (rate > 0) {
    eta = fmt::format("ETA generation {}, run {}", format_eta(left_in_generation / rate),
                      format_eta((left_in_generation + static_cast<double>(plan_.after)) / rate));
  }
  return fmt::format(
      "{}: {}/{} evaluations ({:.0f}%), {:.3g} evals/s, {}", plan_.label, done, plan_.needed,
      100.0 * static_cast<double>(done) / static_cast<double>(plan_.needed), rate, eta);
}

std::string format_eta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "unknown";
  const auto total = static_cast<std::int64_t>(std::llround(seconds));
  if (total < 60) return fmt::format("{} s", total);
  if (total < 3600) return fmt::format("{}m{:02d}s", total / 60, total % 60);
  if (total < 86400) return fmt::format("{}h{:02d}m", total / 3600, total % 3600 / 60);
  return fmt::format("{}d{:02d}h", total / 86400, total % 86400 / 3600);
}

}  // namespace evo::master
