#include "common/genome_check.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

namespace evo::common {

bool genes_held_to_bounds(const GenomeConfig& genome, std::string_view algorithm, bool initial) {
  if (genome.type == "integer") return true;
  return genome.type == "real" && (algorithm != "cmaes" || initial);
}

std::optional<std::string> genome_violation(const GenomeConfig& genome,
                                            std::span<const double> genes, bool bounded) {
  for (std::size_t j = 0; j < genes.size(); ++j) {
    const double gene = genes[j];
    if (!std::isfinite(gene)) return fmt::format("column {} holds {}", j, gene);
    if (genome.type == "binary" && gene != 0 && gene != 1) {
      return fmt::format("column {} holds {}, not a bit of a binary genome", j, gene);
    }
    if (genome.type == "integer" && gene != std::floor(gene)) {
      return fmt::format("column {} holds {}, not a whole number", j, gene);
    }
    if (bounded && (gene < genome.lower || gene > genome.upper)) {
      return fmt::format("column {} holds {}, outside genome bounds [{}, {}]", j, gene,
                         genome.lower, genome.upper);
    }
  }
  if (genome.type == "permutation") {
    std::vector<bool> seen(genes.size(), false);
    for (const double gene : genes) {
      const bool index =
          gene >= 0 && gene < static_cast<double>(genes.size()) && gene == std::floor(gene);
      if (!index || seen[static_cast<std::size_t>(gene)]) {
        return fmt::format("is not a permutation of 0 .. {}", genes.size() - 1);
      }
      seen[static_cast<std::size_t>(gene)] = true;
    }
  }
  return std::nullopt;
}

}  // namespace evo::common
