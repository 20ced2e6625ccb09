// What the master must know about a problem without evaluating it: how many objectives
// it returns and its usual search domain. The functions themselves live in worker/.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace evo::common {

struct ProblemInfo {
  std::string_view name;
  int objectives;
  double lower;  // default genome bounds
  double upper;
  std::string_view summary;
  // The genome type the problem is defined on: "real" (which also accepts "integer"
  // genomes: they are points of the same domain), "binary" or "permutation".
  std::string_view genome_type = "real";
  int fixed_dimension = 0;  // > 0: problem.dimension must be this (e.g. a TSP's city count)
};

// nullptr when unknown.
const ProblemInfo* find_problem(std::string_view name);
std::span<const ProblemInfo> all_problems();
std::string problem_names();  // "sphere, rastrigin, ..." for error messages

}  // namespace evo::common
