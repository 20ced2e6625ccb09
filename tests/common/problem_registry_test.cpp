#include "common/problem_registry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "common/config.hpp"
#include "common/error.hpp"

namespace evo::common {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

class Constant : public evocluster::Problem {
 public:
  void evaluate(std::span<const double> /*genome*/, const evocluster::EvalContext& /*context*/,
                std::span<double> objectives) override {
    for (double& value : objectives) value = 1;
  }
};

evocluster::ProblemDefinition definition(std::string name, int objectives = 2) {
  return {std::move(name), objectives, -3, 4, [] { return std::make_unique<Constant>(); }};
}

TEST(ProblemRegistry, ARegisteredProblemIsAProblemNameWithItsObjectivesAndDomain) {
  evocluster::register_problem(definition("registry_test_problem"));
  const ProblemInfo* info = find_problem("registry_test_problem");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->objectives, 2);
  const Config config = parse_config(
      "[problem]\nname = \"registry_test_problem\"\n[algorithm]\nname = \"nsga2\"\n", "cfg.toml");
  EXPECT_THAT([] { parse_config("[problem]\nname = \"registry_test_problem\"\n", "cfg.toml"); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("algorithm.name = 'simple' minimises a single objective, but problem "
                            "'registry_test_problem' has 2 objectives")));
  EXPECT_EQ(objective_count(config), 2);
  EXPECT_EQ(config.genome.lower, -3);
  EXPECT_EQ(config.genome.upper, 4);
  ASSERT_NE(find_registered_problem("registry_test_problem"), nullptr);
  EXPECT_EQ(find_registered_problem("sphere"), nullptr) << "built-ins are not registered ones";
}

TEST(ProblemRegistry, AnUnknownNameListsAndSuggestsTheRegisteredOnes) {
  evocluster::register_problem(definition("registry_listed_problem"));
  const auto error_of = [](const std::string& name) {
    try {
      parse_config("[problem]\nname = \"" + name + "\"\n[algorithm]\nname = \"nsga2\"\n",
                   "cfg.toml");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error_of("nosuch"), HasSubstr(", registry_listed_problem, command, plugin, python)"));
  EXPECT_THAT(error_of("Registry_Listed_Problm"),
              HasSubstr("did you mean 'registry_listed_problem'?"));
}

TEST(ProblemRegistry, RefusesATakenNameAndAnUnusableDefinition) {
  EXPECT_THAT(
      [] { evocluster::register_problem(definition("sphere")); },
      ThrowsMessage<std::invalid_argument>(HasSubstr("'sphere' is empty or already taken")));
  evocluster::register_problem(definition("registry_twice"));
  EXPECT_THAT([] { evocluster::register_problem(definition("registry_twice")); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("already taken")));
  EXPECT_THAT([] { evocluster::register_problem(definition("registry_no_objectives", 0)); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("objectives >= 1")));
}

}  // namespace
}  // namespace evo::common
