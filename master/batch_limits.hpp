// The limits a batch system puts on one launch, and how the master keeps within them:
// the wall-time guard (checkpoint and exit 85 before the job's end time, with no need for
// a signal) and the restart-count guard (refuse to start once Slurm has restarted the job
// more than run.max_restarts times, so that a job that cannot make progress does not
// requeue forever). docs/slurm.md describes both to users.
#pragma once

#include <chrono>
#include <functional>
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

// Seconds from `now` to a local time as Slurm prints it ("2026-11-24T12:21:07"), never
// below 0; nullopt for anything else ("NONE", "N/A", "Unknown").
std::optional<double> seconds_until_local_time(std::string_view text,
                                               std::chrono::system_clock::time_point now);

struct Deadline {
  BatchClock::time_point at;
  std::string source;  // for the log: where the limit came from
};

// When this launch must be over: the earlier of run.walltime (counted from the start of this
// process, so that a slow MPI start-up counts) and the end of the
// Slurm job this process runs in (`squeue -h -j $SLURM_JOB_ID -o %e`, else
// $SLURM_JOB_END_TIME). nullopt when neither applies. Only the master calls it. `quiet`:
// no warning when Slurm cannot be asked (for the periodic refresh).
std::optional<Deadline> find_deadline(const common::Config& config, bool quiet = false);

// Decides when to stop: `margin` before the deadline, or three times the longest
// checkpoint so far when that is longer, so that the last checkpoint always fits. The
// master polls it between generations and while evaluations run (a checkpoint may be
// taken mid-generation), so no generation needs to fit into the margin.
// With a `refresh`, it asks again every `refresh_seconds`: Slurm moves a job's end time
// when its limit is changed and when it is preempted with a GraceTime, and an mpirun job
// gets no signal before the final SIGTERM.
class WalltimeGuard {
 public:
  using Refresh = std::function<std::optional<Deadline>()>;

  WalltimeGuard() = default;  // no deadline: never stops the run
  WalltimeGuard(std::optional<BatchClock::time_point> deadline, double margin_seconds,
                Refresh refresh = {}, double refresh_seconds = 0);

  void record_checkpoint(double seconds);
  double reserve_seconds() const;
  // May call `refresh` (a squeue query under Slurm), at most every refresh_seconds.
  bool must_stop(BatchClock::time_point now);
  bool active() const { return deadline_.has_value(); }

 private:
  void refresh_if_due(BatchClock::time_point now);

  std::optional<BatchClock::time_point> deadline_;
  double margin_seconds_ = 0;
  double longest_checkpoint_seconds_ = 0;
  Refresh refresh_;
  double refresh_seconds_ = 0;
  BatchClock::time_point last_refresh_ = BatchClock::now();
};

// The guard for this launch: `initial` from find_deadline, refreshed every
// kSlurmRefreshSeconds when the process runs in a Slurm job.
inline constexpr double kSlurmRefreshSeconds = 30;
WalltimeGuard make_walltime_guard(const common::Config& config, std::optional<Deadline> initial);

// Throws RestartLimitError (exit 5) when `restart_count` (SLURM_RESTART_COUNT, null or
// empty on a first launch) exceeds run.max_restarts.
void check_restart_count(const common::Config& config, const char* restart_count);

}  // namespace evo::master
