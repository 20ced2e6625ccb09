#include "common/stopping_rules.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>

namespace evo::common {
namespace {

// A logbook whose rows have these `min` values (gen 0, 1, ...).
Logbook logbook_of(std::initializer_list<double> mins) {
  Logbook logbook;
  std::int64_t gen = 0;
  for (const double min : mins) {
    LogRecord row;
    row.gen = gen++;
    row.evals = 10;
    row.min = min;
    logbook.rows.push_back(row);
  }
  return logbook;
}

TEST(StoppingRules, NoneConfiguredNeverStops) {
  const RunConfig run;
  EXPECT_FALSE(has_stopping_rule(run));
  EXPECT_FALSE(stopping_rule_met(run, logbook_of({0, 0, 0}), 1'000'000));
}

TEST(StoppingRules, TargetFitnessHoldsOnceTheBestSoFarReachesIt) {
  RunConfig run;
  run.target_fitness = 1.0;
  EXPECT_FALSE(stopping_rule_met(run, logbook_of({3, 2, 1.5}), 30));
  const auto met = stopping_rule_met(run, logbook_of({3, 2, 1.0}), 30);
  ASSERT_TRUE(met);
  EXPECT_EQ(met->reason, "target_fitness");
  EXPECT_NE(met->detail.find("run.target_fitness = 1"), std::string::npos);
  // Best so far, not the last generation's: a non-elitist population may get worse again.
  EXPECT_TRUE(stopping_rule_met(run, logbook_of({3, 0.5, 2}), 30));
}

TEST(StoppingRules, TargetFitnessIgnoresGenerationsWithNothingEvaluated) {
  RunConfig run;
  run.target_fitness = 1.0;
  EXPECT_FALSE(stopping_rule_met(run, logbook_of({NAN}), 0));
  EXPECT_TRUE(stopping_rule_met(run, logbook_of({0.5, NAN}), 10));
}

TEST(StoppingRules, MaxEvaluationsHoldsOnceTheBudgetIsReached) {
  RunConfig run;
  run.max_evaluations = 25;
  EXPECT_FALSE(stopping_rule_met(run, logbook_of({3, 2}), 20));
  const auto met = stopping_rule_met(run, logbook_of({3, 2, 1}), 30);  // overshoots by 5
  ASSERT_TRUE(met);
  EXPECT_EQ(met->reason, "max_evaluations");
  EXPECT_TRUE(stopping_rule_met(run, logbook_of({3, 2, 1}), 25));
}

TEST(StoppingRules, StagnationComparesTheBestSoFarAcrossTheWindow) {
  RunConfig run;
  run.stagnation_generations = 3;
  // Gen 3 is the first that can be judged: best(0) - best(3) = 0.
  EXPECT_FALSE(stopping_rule_met(run, logbook_of({5, 5, 5}), 30));
  EXPECT_TRUE(stopping_rule_met(run, logbook_of({5, 5, 5, 5}), 40));
  EXPECT_FALSE(stopping_rule_met(run, logbook_of({5, 5, 5, 4.9}), 40));
  // A worse generation is no improvement: best so far stays 4.
  const auto met = stopping_rule_met(run, logbook_of({6, 4, 7, 8, 9}), 50);
  ASSERT_TRUE(met);
  EXPECT_EQ(met->reason, "stagnation");
}

TEST(StoppingRules, StagnationToleranceIsAbsoluteAndInclusive) {
  RunConfig run;
  run.stagnation_generations = 2;
  run.stagnation_tolerance = 0.5;
  EXPECT_TRUE(stopping_rule_met(run, logbook_of({5, 4.8, 4.5}), 30));   // improved by 0.5
  EXPECT_FALSE(stopping_rule_met(run, logbook_of({5, 4.8, 4.4}), 30));  // by 0.6
}

TEST(StoppingRules, TheFirstRuleInOrderNamesTheReason) {
  RunConfig run;
  run.target_fitness = 1;
  run.max_evaluations = 10;
  run.stagnation_generations = 1;
  EXPECT_EQ(stopping_rule_met(run, logbook_of({1, 1}), 20)->reason, "target_fitness");
  EXPECT_EQ(stopping_rule_met(run, logbook_of({2, 2}), 20)->reason, "max_evaluations");
  run.max_evaluations = 100;
  EXPECT_EQ(stopping_rule_met(run, logbook_of({2, 2}), 20)->reason, "stagnation");
}

TEST(StoppingRules, HoldsJudgesTheNamedRuleOnly) {
  RunConfig run;
  run.target_fitness = 1;
  run.max_evaluations = 10;
  const Logbook logbook = logbook_of({2, 2});
  EXPECT_TRUE(stopping_rule_verdict("max_evaluations", run, logbook, 20));
  EXPECT_FALSE(stopping_rule_verdict("target_fitness", run, logbook, 20));
  EXPECT_FALSE(stopping_rule_verdict("stagnation", run, logbook, 20));
  EXPECT_FALSE(stopping_rule_verdict("generations", run, logbook, 20));
  EXPECT_TRUE(is_stopping_rule("stagnation"));
  EXPECT_FALSE(is_stopping_rule("cmaes:tolx"));
}

}  // namespace
}  // namespace evo::common
