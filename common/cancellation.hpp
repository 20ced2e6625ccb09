// Abandoning the evaluation in progress at once: when the master stops the run (a signal, the
// wall-time guard) while evaluations are running, it checkpoints everything that finished,
// so an evaluation still running is of no use and must not hold up the exit. Whoever runs
// evaluations installs a check: the worker loop "is a stop from the master waiting?" (an
// MPI probe), a single-rank master "must the run stop?". Evaluations that wait (built-in
// delays, external programs) call cancellation_requested() at least every check interval,
// and give up when it says so. One evaluation at a time: the state is per process.
#pragma once

#include <functional>

namespace evo::common {

// A worker's interval: a stop arrives as an MPI message, which nothing but a probe notices.
inline constexpr double kCancellationCheckSeconds = 0.005;
// The failure detail of an evaluation given up on this way (the master never reads it).
inline constexpr const char* kAbandonedDetail = "abandoned: the run is stopping";

// Installs the check, run at most every `interval_seconds`; an empty function removes it
// (and clears a request already seen).
void set_cancellation_check(std::function<bool()> check,
                            double interval_seconds = kCancellationCheckSeconds);
// True once the check has said so; it stays true until set_cancellation_check is called
// again. Runs the check at most every interval, so it is cheap to call after every
// evaluation.
bool cancellation_requested();
// Sleeps `seconds`, or less when cancellation is requested meanwhile; returns false then.
bool sleep_unless_cancelled(double seconds);
// How often a wait must wake up to call cancellation_requested(); 0 when no check is
// installed: then nothing can cancel, and a wait blocks until its own event.
double cancellation_check_interval();

}  // namespace evo::common
