// Symmetric TSP instances in TSPLIB format (Reinelt 1991, "TSPLIB 95"): reading the
// NODE_COORD_SECTION of EUC_2D instances and measuring tours with TSPLIB's distance rule.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace evo::worker {

class TspInstance {
 public:
  // Parses TSPLIB text (TYPE: TSP, EDGE_WEIGHT_TYPE: EUC_2D, NODE_COORD_SECTION); throws
  // common::Error naming `source` and the line for anything else.
  static TspInstance parse(std::string_view text, std::string_view source);

  const std::string& name() const { return name_; }
  std::size_t cities() const { return cities_; }
  // TSPLIB's EUC_2D distance: nint(sqrt(dx^2 + dy^2)), nint(x) = (int)(x + 0.5).
  std::int64_t distance(std::size_t from, std::size_t to) const {
    return distances_[from * cities_ + to];
  }
  // The closed tour's length (back to the first city). `tour` must be a permutation of
  // 0 .. cities()-1 (0-based: TSPLIB's city k is k - 1 here).
  std::int64_t tour_length(std::span<const double> tour) const;

 private:
  std::string name_;
  std::size_t cities_ = 0;
  std::vector<std::int64_t> distances_;  // cities_ x cities_, row-major
};

// The TSPLIB text of a shipped instance (data/tsp/NAME.tsp, compiled in), "" when unknown.
std::string_view shipped_tsplib(std::string_view instance);

// Why `genome` is not a permutation of 0 .. n-1 ("" when it is).
std::string permutation_problem(std::span<const double> genome);

}  // namespace evo::worker
