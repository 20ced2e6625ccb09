// How every part of the checkpoint module reports a bad file: one CheckpointError whose
// message starts with "checkpoint FILE: ", so that verify, inspect and run print the same
// reason for the same file.
#pragma once

#include <fmt/format.h>

#include <cstring>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace evo::common {

inline std::string checkpoint_prefix(const std::string& file) {
  return "checkpoint " + file + ": ";
}

[[noreturn]] inline void fail_checkpoint(const std::string& file, std::string_view reason) {
  throw CheckpointError(checkpoint_prefix(file) + std::string(reason));
}

[[noreturn]] inline void fail_checkpoint_errno(const std::string& file, std::string_view step,
                                               int error) {
  fail_checkpoint(file, fmt::format("{}: {}", step, std::strerror(error)));
}

// An intact file this build cannot use (another format version, logbook layout, RNG
// engine or algorithm): exit 4, and no fallback to an older file, which would be the same.
[[noreturn]] inline void fail_incompatible_checkpoint(const std::string& file,
                                                      std::string_view reason) {
  throw IncompatibleCheckpointError(checkpoint_prefix(file) + std::string(reason));
}

}  // namespace evo::common
