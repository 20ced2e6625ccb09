// The fixed candidates the journal harness recovers into, shared with the program that
// writes its seed journal, so that the seed's header matches them.
#pragma once
#include <cstddef>

#include "common/population.hpp"

namespace evo::fuzz {

inline common::Population journal_candidates() {
  common::Population candidates(8, 3, 2);
  for (std::size_t i = 0; i < candidates.genes.size(); ++i) {
    candidates.genes[i] = 0.25 * static_cast<double>(i) - 1.0;
  }
  return candidates;
}

}  // namespace evo::fuzz
