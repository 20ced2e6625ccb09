// The internal-bug guard between breeding and dispatch: every genome an algorithm hands
// out (a generation's candidates, a steady-state birth) is a genome of the configured type
// (common/genome_check.hpp: finite, the type's values, inside the bounds where the
// algorithm keeps them) before any worker sees it. A violation is a bug in the algorithm,
// never the user's doing: it throws common::Error (exit 1) naming the algorithm, the
// generation, the index and what is wrong, before anything of that generation is
// evaluated or checkpointed.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/config.hpp"
#include "common/population.hpp"

namespace evo::master {

class OffspringGuard {
 public:
  explicit OffspringGuard(const common::Config& config);

  // Checks every candidate of `generation` that still needs evaluating (NaN fitness).
  void check(const common::Population& candidates, std::int64_t generation) const;
  // One genome: individual `index` (a steady-state birth number) of `generation`.
  void check_one(std::span<const double> genes, std::int64_t generation, std::uint64_t index) const;

 private:
  common::GenomeConfig genome_;
  std::string algorithm_;
};

}  // namespace evo::master
