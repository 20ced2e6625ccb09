#include "master/hypervolume_notice.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

namespace evo::master {

std::optional<std::string> zero_hypervolume_notice(const common::Logbook& logbook,
                                                   std::span<const double> reference,
                                                   std::int64_t last_generation) {
  const auto& rows = logbook.rows;
  if (rows.empty()) return std::nullopt;
  for (const common::LogRecord& row : rows) {
    if (!(row.hypervolume == 0)) return std::nullopt;  // NaN: no column
  }
  if (rows.size() < kZeroHypervolumeGenerations && rows.back().gen < last_generation) {
    return std::nullopt;
  }
  // objective_stats holds min, avg, max of each objective in turn.
  const auto& stats = rows.back().objective_stats;
  std::vector<double> largest;
  for (std::size_t k = 2; k < stats.size(); k += 3) largest.push_back(stats[k]);
  return fmt::format(
      "the hypervolume has been 0 in all {} generations so far: no point of the first front "
      "beats the reference point [{}] in every objective (the population's largest values "
      "are [{:.4g}]), so the hypervolume column says nothing about this run; set "
      "algorithm.hv_reference to a point beyond the front, one value per objective",
      rows.size(), fmt::join(reference, ", "), fmt::join(largest, ", "));
}

}  // namespace evo::master
