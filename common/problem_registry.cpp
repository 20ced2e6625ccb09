#include "common/problem_registry.hpp"

#include <fmt/format.h>

#include <deque>
#include <stdexcept>
#include <utility>

namespace evo::common {
namespace {

struct Registered {
  evocluster::ProblemDefinition definition;
  ProblemInfo info;  // views into `definition`
};

// A deque: entries never move, so the views in ProblemInfo stay valid.
std::deque<Registered>& registry() {
  static std::deque<Registered> entries;
  return entries;
}

const Registered* find(std::string_view name) {
  for (const Registered& entry : registry()) {
    if (entry.definition.name == name) return &entry;
  }
  return nullptr;
}

}  // namespace

const evocluster::ProblemDefinition* find_registered_problem(std::string_view name) {
  const Registered* entry = find(name);
  return entry != nullptr ? &entry->definition : nullptr;
}

const ProblemInfo* find_registered_problem_info(std::string_view name) {
  const Registered* entry = find(name);
  return entry != nullptr ? &entry->info : nullptr;
}

std::vector<std::string_view> registered_problem_names() {
  std::vector<std::string_view> names;
  for (const Registered& entry : registry()) names.emplace_back(entry.definition.name);
  return names;
}

}  // namespace evo::common

namespace evocluster {

void register_problem(ProblemDefinition definition) {
  const std::string& name = definition.name;
  if (name.empty() || name == "command" || name == "plugin" ||
      evo::common::find_problem(name) != nullptr) {
    throw std::invalid_argument(
        fmt::format("register_problem: the name '{}' is empty or already taken", definition.name));
  }
  if (definition.objectives < 1 || !(definition.lower < definition.upper) || !definition.create) {
    throw std::invalid_argument(fmt::format(
        "register_problem '{}': needs objectives >= 1, lower < upper and a create function", name));
  }
  auto& entry = evo::common::registry().emplace_back();
  entry.definition = std::move(definition);
  entry.info = {entry.definition.name, entry.definition.objectives, entry.definition.lower,
                entry.definition.upper, "registered through evocluster::register_problem"};
}

}  // namespace evocluster
