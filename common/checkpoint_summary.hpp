// The human summary of a checkpoint that `evocluster inspect CKPT` prints: what the file
// holds, in a few lines, without HDF5 (it works on the state read_checkpoint returned).
#pragma once

#include <filesystem>
#include <string>

#include "common/checkpoint.hpp"

namespace evo::common {

// Multi-line text ending in '\n'. `path` is only named and stat'ed (for its size).
std::string describe_checkpoint(const std::filesystem::path& path, const CheckpointState& state);

}  // namespace evo::common
