// The status line of a long generation: evaluations done of those needed, the rate, and how
// long the generation and the whole run still take at that rate. The caller hands it each
// result batch with the time it read (one clock read per batch, nothing per evaluation); a
// line is due at most once per interval, the first one interval after the generation
// started, so a generation shorter than the interval prints none. It only reads counts:
// nothing here can change a result.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace evo::master {

struct ProgressPlan {
  std::string label;             // what the line starts with, e.g. "job 1 gen 12"
  std::int64_t needed = 0;       // evaluations the generation needs in all
  std::int64_t done_before = 0;  // of those, settled before this launch evaluated any
  std::int64_t after = 0;        // evaluations the run needs after this generation
};

class ProgressMeter {
 public:
  using Clock = std::chrono::steady_clock;

  // `interval_seconds` > 0; `start` is when the generation's evaluation began.
  ProgressMeter(ProgressPlan plan, double interval_seconds, Clock::time_point start);

  // `count` more evaluations settled at `now`; returns the status line when one is due (and
  // the generation is not complete: its own line follows then).
  std::optional<std::string> advance(std::int64_t count, Clock::time_point now);

 private:
  ProgressPlan plan_;
  Clock::duration interval_;
  Clock::time_point start_;
  Clock::time_point next_due_;
  std::int64_t done_now_ = 0;  // settled since `start`
};

// "42 s", "3m07s", "2h05m", "3d04h": a duration as a status line shows it.
std::string format_eta(double seconds);

}  // namespace evo::master
