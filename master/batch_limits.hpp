// The limits a batch system puts on one launch, and how the master keeps within them:
// the wall-time guard (checkpoint and exit 85 before the job's end time, with no need for
// a signal) and the restart-count guard (refuse to start once Slurm has restarted the job
// more than run.max_restarts times, so that a job that cannot make progress does not
// requeue forever). docs/slurm.md describes both to users.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/config.hpp"

namespace evo::master {

using BatchClock = std::chrono::steady_clock;

// A duration as Slurm writes it (squeue %L, sbatch --time with seconds): "SS", "MM:SS",
// "H:MM:SS", "D-H", "D-H:MM", "D-H:MM:SS"; a plain number is seconds ("90", "90.5").
// nullopt for anything else, Slurm's "UNLIMITED", "NOT_SET" and "INVALID" included.
std::optional<double> parse_duration(std::string_view text);

struct Deadline {
  BatchClock::time_point at;
  std::string source;  // for the log: where the limit came from
};

// When this launch must be over: the earlier of run.walltime (counted from the start of this
// process, so that a slow MPI start-up counts) and the end of the
// Slurm job this process runs in ($SLURM_JOB_END_TIME if set, else `squeue -h -j
// $SLURM_JOB_ID -o %L`). nullopt when neither applies. Only the master calls it.
std::optional<Deadline> find_deadline(const common::Config& config);

// Decides when to stop: `margin` before the deadline, or three times the longest
// checkpoint so far when that is longer, so that the last checkpoint always fits. The
// master polls it between generations and while evaluations run (a checkpoint may be
// taken mid-generation), so no generation needs to fit into the margin.
class WalltimeGuard {
 public:
  WalltimeGuard() = default;  // no deadline: never stops the run
  WalltimeGuard(BatchClock::time_point deadline, double margin_seconds);

  void record_checkpoint(double seconds);
  double reserve_seconds() const;
  bool must_stop(BatchClock::time_point now) const;
  bool active() const { return deadline_.has_value(); }

 private:
  std::optional<BatchClock::time_point> deadline_;
  double margin_seconds_ = 0;
  double longest_checkpoint_seconds_ = 0;
};

// Throws RestartLimitError (exit 5) when `restart_count` (SLURM_RESTART_COUNT, null or
// empty on a first launch) exceeds run.max_restarts.
void check_restart_count(const common::Config& config, const char* restart_count);

}  // namespace evo::master
