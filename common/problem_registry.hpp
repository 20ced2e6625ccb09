// Problems registered through the C++ API (include/evocluster/evocluster.hpp): the master
// and the config validator see them through find_problem (problem_catalog.hpp), workers
// create them through find_registered_problem.
#pragma once

#include <string_view>
#include <vector>

#include "common/problem_catalog.hpp"
#include "evocluster/evocluster.hpp"

namespace evo::common {

// nullptr when `name` was not registered.
const evocluster::ProblemDefinition* find_registered_problem(std::string_view name);
// The catalog entry of a registered problem; nullptr when not registered.
const ProblemInfo* find_registered_problem_info(std::string_view name);
// Every registered problem's name, in registration order (for "known: ..." lists).
std::vector<std::string_view> registered_problem_names();

}  // namespace evo::common
