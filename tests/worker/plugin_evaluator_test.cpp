#include "worker/plugin_evaluator.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "worker/builtin_problems.hpp"

namespace evo::worker {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

const std::string kSpherePlugin = EVO_BINARY_DIR "/libsphere_plugin.so";
std::string test_plugin(const std::string& variant) {
  return fmt::format("{}/tests/plugins/libtest_plugin_{}.so", EVO_BINARY_DIR, variant);
}

// Several objectives need a multi-objective algorithm (config validation refuses the others).
common::Config plugin_config(const std::string& library, const std::string& plugin_config = "",
                             int objectives = 1) {
  return common::parse_config(
      fmt::format("[problem]\nname = \"plugin\"\ndimension = 3\n"
                  "[genome]\nlower = -1\nupper = 1\n"
                  "[plugin]\nlibrary = \"{}\"\nobjectives = {}\nconfig = \"{}\"\n"
                  "[algorithm]\nname = \"{}\"\n",
                  library, objectives, plugin_config, objectives > 1 ? "nsga2" : "simple"),
      "cfg.toml");
}

TEST(PluginEvaluator, ExampleSphereGivesTheBuiltInSphereBitForBit) {
  auto evaluator = make_plugin_evaluator(plugin_config(kSpherePlugin));
  EXPECT_EQ(evaluator->objectives(), 1);
  const std::vector<double> genome{0.1, -0.7, 0.3333333333333333};
  double fitness = 0;
  const auto outcome = evaluator->evaluate(genome, {1, 0, 0, 0}, std::span(&fitness, 1));
  EXPECT_EQ(outcome.status, common::EvalStatus::kOk);
  EXPECT_EQ(fitness, sphere(genome));
}

TEST(PluginEvaluator, HandsPluginConfigToInitAndReportsARefusal) {
  auto scaled = make_plugin_evaluator(plugin_config(kSpherePlugin, "scale=2"));
  const std::vector<double> genome{0.5, 0.5, 1.0};
  double fitness = 0;
  scaled->evaluate(genome, {}, std::span(&fitness, 1));
  EXPECT_EQ(fitness, 2 * sphere(genome));
  scaled.reset();  // finalize resets the scale for the next load of the same library
  EXPECT_THAT([] { make_plugin_evaluator(plugin_config(kSpherePlugin, "scale=-1")); },
              ThrowsMessage<common::ConfigError>(
                  AllOf(HasSubstr("cfg.toml: plugin.config"), HasSubstr("refused"),
                        HasSubstr("expected \"scale=<positive number>\", got \"scale=-1\""))));
}

TEST(PluginEvaluator, PassesTheTaskAndItsEvaluationSeed) {
  auto evaluator = make_plugin_evaluator(plugin_config(test_plugin("good"), "", 2));
  const std::vector<double> genome{0.5, 0, 0};
  std::vector<double> fitness(2);
  const common::EvalContext context{42, 1, 7, 13};
  ASSERT_EQ(evaluator->evaluate(genome, context, fitness).status, common::EvalStatus::kOk);
  const auto expected =
      static_cast<double>(common::Rng::for_evaluation(42, 1, 7, 13).next_u64() % 1000u);
  EXPECT_EQ(fitness, (std::vector<double>{expected, expected + 1}));
  std::vector<double> other(2);
  evaluator->evaluate(genome, {42, 1, 7, 14}, other);
  EXPECT_NE(other, fitness) << "another task, another seed";
}

TEST(PluginEvaluator, AFailedEvaluationCarriesThePluginsReason) {
  auto evaluator = make_plugin_evaluator(plugin_config(test_plugin("good")));
  const std::vector<double> genome{-0.5, 0, 0};
  double fitness = 0;
  const auto outcome = evaluator->evaluate(genome, {}, std::span(&fitness, 1));
  EXPECT_EQ(outcome.status, common::EvalStatus::kFailed);
  EXPECT_THAT(outcome.detail, AllOf(HasSubstr("returned 7"), HasSubstr("negative first gene")));
}

TEST(PluginEvaluator, MissingFileSymbolOrOtherAbiIsAConfigErrorNamingTheLibrary) {
  EXPECT_THAT([] { make_plugin_evaluator(plugin_config("/nonexistent/libnope.so")); },
              ThrowsMessage<common::ConfigError>(
                  AllOf(HasSubstr("plugin.library: cannot load '/nonexistent/libnope.so'"),
                        HasSubstr("No such file"))));
  EXPECT_THAT([] { make_plugin_evaluator(plugin_config(test_plugin("no_evaluate"))); },
              ThrowsMessage<common::ConfigError>(
                  AllOf(HasSubstr("plugin.library"), HasSubstr("libtest_plugin_no_evaluate.so"),
                        HasSubstr("does not export evocluster_plugin_evaluate"))));
  EXPECT_THAT([] { make_plugin_evaluator(plugin_config(test_plugin("bad_abi"))); },
              ThrowsMessage<common::ConfigError>(
                  AllOf(HasSubstr("plugin.library"), HasSubstr("ABI version 999"),
                        HasSubstr("this evocluster speaks version 1"))));
}

TEST(PluginConfig, LibraryAndBoundsAreRequiredForAPlugin) {
  EXPECT_THAT([] { common::parse_config("[problem]\nname = \"plugin\"\n", "cfg.toml"); },
              ThrowsMessage<common::ConfigError>(AllOf(HasSubstr("plugin.library is required"),
                                                       HasSubstr("genome.lower is required"),
                                                       HasSubstr("genome.upper is required"))));
  EXPECT_EQ(common::objective_count(plugin_config(kSpherePlugin, "", 3)), 3);
}

}  // namespace
}  // namespace evo::worker
