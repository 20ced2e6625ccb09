// Per-worker statistics, one row per worker and generation, in OUT/workers.csv:
//   gen,rank,tasks,batches,busy_s,idle_s,dispatch_s
// tasks/batches/busy_s are what the worker did during that generation (busy_s as the worker
// measured it), idle_s = the generation's wall time - busy_s. dispatch_s is the master's
// job-queue time of the generation (Dispatcher::dispatch_seconds), the same on every row
// of a generation. Timing data: a restarted run appends to the file, so a generation redone
// after a kill appears again.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "master/dispatcher.hpp"

namespace evo::master {

class WorkerStatisticsLog {
 public:
  // `baseline`: the dispatcher's cumulative statistics now (rows count from here).
  WorkerStatisticsLog(std::filesystem::path path, std::vector<WorkerStats> baseline);

  // Appends the rows of generation `gen` from the dispatcher's cumulative statistics.
  // Ranks that did nothing in the whole run so far (rank 0 with workers) are left out.
  void append(std::int64_t gen, const std::vector<WorkerStats>& cumulative, double wall_s,
              double dispatch_s);

 private:
  std::filesystem::path path_;
  std::vector<WorkerStats> previous_;
};

}  // namespace evo::master
