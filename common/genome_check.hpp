// What makes a row of genes a genome of the configured type: finite, whole numbers for
// integer genomes, bits for binary ones, a permutation of 0 .. n-1, and inside
// [genome.lower, genome.upper] where the algorithm keeps its genomes there. One definition
// for the checkpoint validator (genomes read from a file) and the master's offspring guard
// (genomes an algorithm bred), so the two can never disagree.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/config.hpp"

namespace evo::common {

// Whether real genes are held to the genome bounds. CMA-ES samples the unbounded normal
// distribution and evaluates what it sampled (docs/algorithms.md), so only its x0, drawn
// inside the box before the search starts (`initial`), is; every other algorithm keeps its
// real genomes in the box. Integer genes are always held; binary and permutation genes have
// bounds of their own.
bool genes_held_to_bounds(const GenomeConfig& genome, std::string_view algorithm, bool initial);

// Why `genes` is not a genome of `genome`, e.g. "column 3 holds nan" or "is not a
// permutation of 0 .. 9"; nullopt when it is one.
std::optional<std::string> genome_violation(const GenomeConfig& genome,
                                            std::span<const double> genes, bool bounded);

}  // namespace evo::common
