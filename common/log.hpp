// Console output. Diagnostics go to stderr through spdlog, prefixed with the rank so
// interleaved mpirun output stays readable; progress lines (one per generation, and the
// status lines during a long one) go to stdout, and only while info messages are shown.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace evo::common {

// Call once per process, after the rank is known (-1 before MPI starts).
void init_logging(int rank);

// Shows diagnostics of `level` (one of kLogLevels: debug | info | warning | error) and more
// severe ones only. Precondition: `level` is valid (the config reader checks run.log_level).
void set_log_level(std::string_view level);

// Whether info messages, and with them the progress lines on stdout, are shown.
bool info_enabled();

}  // namespace evo::common
