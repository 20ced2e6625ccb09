#include "common/algorithm_catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "common/error.hpp"

namespace evo::common {
namespace {

using Keys = std::string_view;
constexpr std::array<Keys, 1> kSimpleKeys = {"elitism"};
constexpr std::array<Keys, 3> kMuLambdaKeys = {"mu", "lambda", "survivor_selection"};
constexpr std::array<Keys, 4> kCmaesKeys = {"mu", "lambda", "cmaes_sigma0", "cmaes_restarts"};
constexpr std::array<Keys, 3> kDeKeys = {"de_variant", "de_f", "de_cr"};
constexpr std::array<Keys, 1> kNsga2Keys = {"hv_reference"};
constexpr std::array<Keys, 1> kSteadyStateKeys = {"replacement"};

// The order is the one error messages list them in.
constexpr std::array<AlgorithmInfo, 7> kAlgorithms = {{
    {"simple", AlgorithmKind::kSimple, false, false, kSimpleKeys},
    {"mu_plus_lambda", AlgorithmKind::kMuPlusLambda, false, false, kMuLambdaKeys},
    {"mu_comma_lambda", AlgorithmKind::kMuCommaLambda, false, false, kMuLambdaKeys},
    {"cmaes", AlgorithmKind::kCmaes, false, true, kCmaesKeys},
    {"de", AlgorithmKind::kDe, false, true, kDeKeys},
    {"nsga2", AlgorithmKind::kNsga2, true, false, kNsga2Keys},
    {"steady_state", AlgorithmKind::kSteadyState, false, false, kSteadyStateKeys},
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
