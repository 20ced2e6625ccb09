// The second line of defence against a hostile or buggy checkpoint (after
// checkpoint_structure): the content a reader returned must be one a run could have
// written. The file's own /config/text must parse as a valid config, and every other
// field must agree with it and with each other: seed, job and config_hash; generation vs
// logbook rows vs evaluations vs the in-progress generation; genome shape, finiteness and
// bounds by genome type; fitness shape; the algorithm's name and the sizes of its state;
// one valid RNG state per rank. No HDF5 here.
//
// Exit codes: a file that contradicts itself is invalid (CheckpointError; resume falls
// back to an older checkpoint, exit 3 if none is left). Whether the file fits the config
// being run is resume's question (master/resume.cpp: exit 4 naming the keys).
#pragma once

#include <string>

#include "common/checkpoint.hpp"

namespace evo::common {

// Throws CheckpointError naming `file` and the first field that is wrong.
void validate_checkpoint_state(const CheckpointState& state, const std::string& file);

}  // namespace evo::common
