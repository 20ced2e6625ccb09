// Where a launch starts: a fresh job 0, or the newest intact checkpoint of the job that
// was running (or the one named by --resume), checked against the config.
#pragma once

#include <filesystem>
#include <optional>

#include "common/checkpoint.hpp"
#include "common/config.hpp"
#include "master/master.hpp"

namespace evo::master {

// Directory of job `job`: OUT itself for a single job, OUT/job.J otherwise.
std::filesystem::path job_directory(const std::filesystem::path& output, int job, int jobs);

struct ResumePoint {
  int job = 0;
  std::optional<common::CheckpointState> state;  // nullopt: start the job fresh
  std::filesystem::path path;
};

// Throws NoCheckpointError (exit 3) when checkpoints exist but none is intact, or the
// named one is unusable; IncompatibleCheckpointError (exit 4) when the checkpoint was
// written with a config that differs in a key that shapes results.
ResumePoint find_resume_point(const common::Config& config, const RunOptions& options);

// --resume of a checkpoint older than the newest intact one OUT holds for the same run
// (a later generation, or a later job) would rewind it, pruning the later checkpoints and
// cutting logbook.csv back: throws ConfigError (exit 2) naming both files and --out as the
// way to branch off. `named` is what find_resume_point gave for options.resume.
void refuse_rewind(const common::Config& config, const RunOptions& options,
                   const ResumePoint& named);

// Refuses a checkpoint whose results-shaping config differs, naming the differing keys;
// with `allow_change` it only warns (the experimenter takes responsibility).
void check_compatible(const common::Config& config, const common::CheckpointState& state,
                      const std::filesystem::path& path, bool allow_change);

// --fresh: moves earlier results of OUT into OUT/previous-<UTC time>/ (nothing is deleted).
void archive_previous_results(const std::filesystem::path& output);

}  // namespace evo::master
