#include "master/offspring_guard.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/genome_check.hpp"

namespace evo::master {

OffspringGuard::OffspringGuard(const common::Config& config)
    : genome_(config.genome), algorithm_(config.algorithm.name) {}

void OffspringGuard::check(const common::Population& candidates, std::int64_t generation) const {
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (!candidates.evaluated(i)) check_one(candidates.genome(i), generation, i);
  }
}

void OffspringGuard::check_one(std::span<const double> genes, std::int64_t generation,
                               std::uint64_t index) const {
  const bool bounded = common::genes_held_to_bounds(genome_, algorithm_, generation == 0);
  if (const auto violation = common::genome_violation(genome_, genes, bounded)) {
    throw common::Error(fmt::format(
        "internal error: algorithm {} produced a non-finite / out-of-bounds genome at "
        "generation {} index {}: {} (genome.type = \"{}\"); nothing of this generation was "
        "evaluated; please report this bug",
        algorithm_, generation, index, *violation, genome_.type));
  }
}

}  // namespace evo::master
