// The one list of algorithm.name values and what config validation must know about each;
// master/algorithm.cpp builds them with a switch over AlgorithmKind (no default), so a kind
// added here and not there fails to compile (-Wswitch, -Werror), and a name validated here
// always has a builder there.
#pragma once

#include <span>
#include <string_view>

namespace evo::common {

enum class AlgorithmKind {
  kSimple,
  kMuPlusLambda,
  kMuCommaLambda,
  kCmaes,
  kDe,
  kNsga2,
  kSteadyState,
};

struct AlgorithmInfo {
  std::string_view name;
  AlgorithmKind kind;
  // Ranks by Pareto dominance, so any number of objectives; the others minimise objective 0
  // and refuse a problem with more than one.
  bool multi_objective;
  // Moves through a continuous space by vector arithmetic: needs genome.type = "real".
  bool real_genome_only;
  // The [algorithm] keys that only some algorithms read and this one does: any other of
  // them given with this algorithm has no effect (config validation warns about it).
  std::span<const std::string_view> own_keys;
};

std::span<const AlgorithmInfo> all_algorithms();
// nullptr when unknown.
const AlgorithmInfo* find_algorithm(std::string_view name);
// The entry of a name that config validation accepted; throws ConfigError otherwise.
const AlgorithmInfo& algorithm_info(std::string_view name);

}  // namespace evo::common
