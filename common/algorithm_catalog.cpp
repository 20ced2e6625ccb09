#include "common/algorithm_catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "common/error.hpp"

namespace evo::common {
namespace {

// The order is the one error messages list them in.
constexpr std::array<AlgorithmInfo, 7> kAlgorithms = {{
    {"simple", AlgorithmKind::kSimple, false, false},
    {"mu_plus_lambda", AlgorithmKind::kMuPlusLambda, false, false},
    {"mu_comma_lambda", AlgorithmKind::kMuCommaLambda, false, false},
    {"cmaes", AlgorithmKind::kCmaes, false, true},
    {"de", AlgorithmKind::kDe, false, true},
    {"nsga2", AlgorithmKind::kNsga2, true, false},
    {"steady_state", AlgorithmKind::kSteadyState, false, false},
}};

}  // namespace

std::span<const AlgorithmInfo> all_algorithms() { return kAlgorithms; }

const AlgorithmInfo* find_algorithm(std::string_view name) {
  const auto* it = std::find_if(kAlgorithms.begin(), kAlgorithms.end(),
                                [&](const AlgorithmInfo& info) { return info.name == name; });
  return it == kAlgorithms.end() ? nullptr : &*it;
}

const AlgorithmInfo& algorithm_info(std::string_view name) {
  const AlgorithmInfo* info = find_algorithm(name);
  if (info == nullptr) {
    throw ConfigError(fmt::format("algorithm.name: unknown algorithm '{}'", name));
  }
  return *info;
}

}  // namespace evo::common
