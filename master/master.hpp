// The master rank: resumes or starts each job, drives the algorithm generation by
// generation through the dispatcher, logs, and writes coordinated checkpoints.
#pragma once

#include <filesystem>
#include <optional>

#include "common/config.hpp"
#include "common/evaluator.hpp"
#include "common/transport.hpp"
#include "master/batch_limits.hpp"

namespace evo::master {

struct RunOptions {
  std::filesystem::path output;                 // run.output or --out
  std::optional<std::filesystem::path> resume;  // --resume CKPT
  bool fresh = false;                           // --fresh
  bool allow_config_change = false;             // --allow-config-change
  std::optional<Deadline> deadline;             // the launch's wall-time limit (find_deadline)
};

// Returns the process exit code; throws evo::common::Error for what ends the run.
// `local_evaluator` evaluates when the run has a single rank.
int run_master(const common::Config& config, const RunOptions& options,
               common::Transport& transport, common::Evaluator* local_evaluator);

}  // namespace evo::master
