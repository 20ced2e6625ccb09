#include "common/signals.hpp"

#include <atomic>
#include <csignal>

namespace evo::common {
namespace {

// Lock-free atomics are async-signal-safe.
std::atomic<int> g_stop_signal{0};
std::atomic<bool> g_checkpoint_request{false};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_signal(int signal_number) { simulate_signal(signal_number); }

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

bool take_checkpoint_request() { return g_checkpoint_request.exchange(false); }

}  // namespace evo::common
