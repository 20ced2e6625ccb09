// Abandoning the work in progress on a worker rank at once: when the master stops the run
// (a signal, the wall-time guard) while evaluations are running, it has already checkpointed
// everything that finished, so an evaluation still running is of no use and must not hold
// up the exit. The worker loop installs a check ("is a stop from the master waiting?");
// evaluations that wait (built-in delays, external programs) call cancellation_requested()
// at least every kCancellationCheckSeconds, and give up when it says so. One worker, one
// evaluation at a time: the state is per process.
#pragma once

#include <functional>

namespace evo::common {

inline constexpr double kCancellationCheckSeconds = 0.005;
// The failure detail of an evaluation given up on this way (the master never reads it).
inline constexpr const char* kAbandonedDetail = "abandoned: the run is stopping";

// Installs the check; an empty function removes it (and clears a request already seen).
void set_cancellation_check(std::function<bool()> check);
// True once the check has said so; it stays true until set_cancellation_check is called
// again. Runs the check at most every kCancellationCheckSeconds, so it is cheap to call
// after every evaluation.
bool cancellation_requested();
// Sleeps `seconds`, or less when cancellation is requested meanwhile; returns false then.
bool sleep_unless_cancelled(double seconds);

}  // namespace evo::common
