#include "common/signals.hpp"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>

namespace evo::common {
namespace {

// Lock-free atomics are async-signal-safe.
std::atomic<int> g_stop_signal{0};
std::atomic<bool> g_checkpoint_request{false};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_signal(int signal_number) { simulate_signal(signal_number); }

std::atomic<int> g_exit_code{0};
extern "C" void on_exit_timer(int /*signal_number*/) { ::_exit(g_exit_code.load()); }

}  // namespace

void simulate_signal(int signal_number) {
  if (signal_number == SIGUSR2) {
    g_checkpoint_request.store(true);
  } else {
    int expected = 0;
    g_stop_signal.compare_exchange_strong(expected, signal_number);
  }
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int signal_number : {SIGTERM, SIGUSR1, SIGUSR2}) sigaction(signal_number, &action, nullptr);
}

int stop_signal() { return g_stop_signal.load(); }

void exit_if_still_running_after(double seconds, int exit_code) {
  g_exit_code.store(exit_code);
  struct sigaction action {};
  action.sa_handler = on_exit_timer;
  sigemptyset(&action.sa_mask);
  sigaction(SIGALRM, &action, nullptr);
  itimerval timer{};
  const double whole = std::floor(seconds);
  timer.it_value.tv_sec = static_cast<time_t>(whole);
  timer.it_value.tv_usec = static_cast<suseconds_t>((seconds - whole) * 1e6);
  if (timer.it_value.tv_sec == 0 && timer.it_value.tv_usec == 0) timer.it_value.tv_usec = 1;
  setitimer(ITIMER_REAL, &timer, nullptr);
}

bool take_checkpoint_request() { return g_checkpoint_request.exchange(false); }

}  // namespace evo::common
