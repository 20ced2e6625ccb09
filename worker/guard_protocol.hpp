// The messages between a worker and the guard process (worker/guard/evocluster_guard.cpp)
// that stands between it and every external program it starts. They travel on a
// SOCK_SEQPACKET socket pair, which keeps them whole and reports the death of either end as
// end-of-file. Both sides are built from one source tree, so the layout is the host's.
#pragma once

#include <cstdint>

namespace evo::worker::guard {

// The guard's end of the control socket; its 0, 1 and 2 are the program's.
inline constexpr int kControlFd = 3;

enum class Kind : std::uint8_t {
  // guard -> worker
  kStarted = 'S',      // value: the program's pid (= its process group)
  kCannotStart = 'E',  // value: the errno of fork or exec; the guard then exits
  kExited = 'X',       // value: the program's wait status; it stays unreaped until kKillAll
  kAllGone = 'D',      // value: the program's wait status; every process it started is dead
  // worker -> guard
  kTerminate = 'T',  // SIGTERM to the program's process group (a timeout's first step)
  kKillAll = 'K',    // SIGKILL to the program and to every process it started, then kAllGone
};

struct Message {
  Kind kind;
  std::int32_t value;
};

}  // namespace evo::worker::guard
