#include "master/worker_statistics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>

#include "common/durable_file.hpp"

namespace evo::master {

WorkerStatisticsLog::WorkerStatisticsLog(std::filesystem::path path,
                                         std::vector<WorkerStats> baseline)
    : path_(std::move(path)), previous_(std::move(baseline)) {}

void WorkerStatisticsLog::append(std::int64_t gen, const std::vector<WorkerStats>& cumulative,
                                 double wall_s, double dispatch_s) {
  std::string text;
  std::error_code error;
  if (!std::filesystem::exists(path_, error) || std::filesystem::file_size(path_, error) == 0) {
    text = "gen,rank,tasks,batches,busy_s,idle_s,dispatch_s\n";
  }
  previous_.resize(cumulative.size());
  for (std::size_t rank = 0; rank < cumulative.size(); ++rank) {
    const WorkerStats& now = cumulative[rank];
    if (now.tasks == 0 && now.batches == 0) continue;
    const WorkerStats& before = previous_[rank];
    const double busy = now.busy_seconds - before.busy_seconds;
    text +=
        fmt::format("{},{},{},{},{},{},{}\n", gen, rank, now.tasks - before.tasks,
                    now.batches - before.batches, busy, std::max(0.0, wall_s - busy), dispatch_s);
    previous_[rank] = now;
  }
  common::append_to_file(path_, common::bytes_of(text));
}

}  // namespace evo::master
