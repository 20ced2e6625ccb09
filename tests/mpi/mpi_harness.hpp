// Shared by the MPI tests: rank 0 runs the GoogleTest cases as the master; every other
// rank runs the real worker loop with the evaluator of test_config() until stopped.
#pragma once

#include "common/config.hpp"
#include "common/transport.hpp"

namespace evo::test {

common::Transport& transport();
// noisy_sphere, dimension 5: randomness per evaluation makes misplaced results visible.
const common::Config& test_config();

}  // namespace evo::test
