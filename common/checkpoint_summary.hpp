// The human summary of a checkpoint that `evocluster inspect CKPT` prints: what the file
// holds, in a few lines, without HDF5 (it works on the state read_checkpoint returned).
#pragma once

#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>

#include "common/checkpoint.hpp"

namespace evo::common {

// Genes shown of each genome `inspect` prints (`inspect --genes N`; kAllGenes: `--genes all`).
inline constexpr std::size_t kDefaultGenesShown = 5;
inline constexpr std::size_t kAllGenes = std::numeric_limits<std::size_t>::max();

// Multi-line text ending in '\n': one "label  value" line per fact, the values in one column
// (as wide as the longest label needs). `path` is only named and stat'ed (for its size).
std::string describe_checkpoint(const std::filesystem::path& path, const CheckpointState& state,
                                std::size_t genes_shown = kDefaultGenesShown);

}  // namespace evo::common
