// Console output. Diagnostics go to stderr through spdlog, prefixed with the rank so
// interleaved mpirun output stays readable; progress lines go to stdout.
#pragma once

#include <spdlog/spdlog.h>

namespace evo::common {

// Call once per process, after the rank is known (-1 before MPI starts).
void init_logging(int rank);

}  // namespace evo::common
