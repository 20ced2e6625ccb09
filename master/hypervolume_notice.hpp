// The word a user needs when the logbook's hypervolume column stays 0: the first front lies
// outside the reference point (algorithm.hv_reference, default 1.1 in every objective), so
// the column says nothing about the run. A pure function of the logbook, so that the notice
// comes at the same generation in a resumed run.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/logbook.hpp"

namespace evo::master {

// Generations of hypervolume 0 after which the notice comes (a random initial front, e.g.
// ZDT's, often lies beyond the reference point for the first few).
inline constexpr std::size_t kZeroHypervolumeGenerations = 10;

// The warning when every row of `logbook` has a hypervolume of exactly 0 and there are
// kZeroHypervolumeGenerations of them, or the last one is generation `last_generation`;
// nullopt otherwise (also when the logbook has no hypervolume column). Names the key to set
// and the front's largest value of each objective.
std::optional<std::string> zero_hypervolume_notice(const common::Logbook& logbook,
                                                   std::span<const double> reference,
                                                   std::int64_t last_generation);

}  // namespace evo::master
