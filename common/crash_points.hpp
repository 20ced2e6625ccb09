// Test-only fault hook: proves that a kill at every step of the checkpoint commit
// protocol leaves a resumable state. With EVO_CRASH_AT=<stage>[:<n>] in the environment,
// the process kills itself with SIGKILL (as kill -9 would) the n-th time (default 1st) it
// reaches <stage>. Without the variable the hook costs one branch.
#pragma once

#include <array>
#include <string_view>

namespace evo::common {

// Every stage, in the order a checkpoint commit passes them.
inline constexpr std::array<std::string_view, 8> kCrashStages = {
    "tmp_open",     // tmp file created, empty
    "tmp_partial",  // half the image written to the tmp file
    "tmp_written",  // image written, not yet fsync'd
    "tmp_synced",   // tmp fsync'd and closed, not yet renamed
    "renamed",      // renamed into place, directory not yet fsync'd
    "committed",    // directory fsync'd, old checkpoints not yet removed
    "pruning",      // one old checkpoint removed, others not yet
    "journal",      // a journal write of 2+ records, its last record half written
};

void crash_point(std::string_view stage);
// Whether crash_point(stage) can still fire: lets a hot path skip work that only serves
// the hook (e.g. splitting a write in two so that the kill tears it).
bool crash_point_armed(std::string_view stage);

}  // namespace evo::common
