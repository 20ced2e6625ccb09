#include "common/cancellation.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

namespace evo::common {
namespace {

using Clock = std::chrono::steady_clock;

std::function<bool()> g_check;
bool g_requested = false;
Clock::time_point g_next_check{};
double g_interval_seconds = kCancellationCheckSeconds;
Clock::duration g_interval = std::chrono::duration_cast<Clock::duration>(
    std::chrono::duration<double>(kCancellationCheckSeconds));

}  // namespace

void set_cancellation_check(std::function<bool()> check, double interval_seconds) {
  g_check = std::move(check);
  g_requested = false;
  g_next_check = Clock::time_point{};
  g_interval_seconds = interval_seconds;
  g_interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_seconds));
}

bool cancellation_requested() {
  if (g_requested || !g_check) return g_requested;
  const Clock::time_point now = Clock::now();
  if (now < g_next_check) return false;
  g_next_check = now + g_interval;
  g_requested = g_check();
  return g_requested;
}

double cancellation_check_interval() { return g_check ? g_interval_seconds : 0; }

bool sleep_unless_cancelled(double seconds) {
  const Clock::time_point until =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(std::max(0.0, seconds)));
  if (!g_check) {
    std::this_thread::sleep_until(until);
    return true;
  }
  for (;;) {
    if (cancellation_requested()) return false;
    const Clock::time_point now = Clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_until(std::min(until, now + g_interval));
  }
}

}  // namespace evo::common
