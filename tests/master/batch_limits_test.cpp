#include "master/batch_limits.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "common/error.hpp"

namespace evo::master {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;
using namespace std::chrono_literals;

common::Config config_with(double walltime, int max_restarts = 10) {
  common::Config config;
  config.run.walltime = walltime;
  config.run.max_restarts = max_restarts;
  config.run.output = "out/here";
  return config;
}

// Unsets the Slurm variables a test sets, also when it fails.
class SlurmEnvironment : public ::testing::Test {
 protected:
  void SetUp() override { clear(); }
  void TearDown() override { clear(); }
  static void clear() {
    for (const char* name : {"SLURM_JOB_ID", "SLURM_JOB_END_TIME"}) unsetenv(name);
  }
};

TEST(ParseDuration, ReadsEveryFormSqueueAndSbatchUse) {
  EXPECT_EQ(parse_duration("45"), 45);
  EXPECT_EQ(parse_duration("90.5"), 90.5);
  EXPECT_EQ(parse_duration("1:00"), 60);  // squeue %L: M:SS
  EXPECT_EQ(parse_duration("12:34"), 12 * 60 + 34);
  EXPECT_EQ(parse_duration("2:03:04"), 2 * 3600 + 3 * 60 + 4);
  EXPECT_EQ(parse_duration("1-00:00:00"), 86400);
  EXPECT_EQ(parse_duration("2-3"), 2 * 86400 + 3 * 3600);
  EXPECT_EQ(parse_duration("1-2:30"), 86400 + 2 * 3600 + 30 * 60);
}

TEST(ParseDuration, RefusesWhatIsNotADuration) {
  for (const char* text : {"", "UNLIMITED", "NOT_SET", "INVALID", "-5", "1:2:3:4", "1::2", "a:10",
                           "10s", "-1:00", "1-"}) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << text;
  }
}

TEST(WalltimeGuard, WithoutADeadlineNeverStops) {
  WalltimeGuard guard;
  EXPECT_FALSE(guard.active());
  EXPECT_FALSE(guard.must_stop(BatchClock::now() + 1000h));
}

TEST(WalltimeGuard, StopsTheMarginBeforeTheDeadline) {
  const auto deadline = BatchClock::now() + 100s;
  WalltimeGuard guard(deadline, 30);
  EXPECT_TRUE(guard.active());
  EXPECT_FALSE(guard.must_stop(deadline - 31s));
  EXPECT_TRUE(guard.must_stop(deadline - 30s));
  EXPECT_TRUE(guard.must_stop(deadline + 5s));  // late is still a stop, never a carry-on
}

TEST(WalltimeGuard, ReservesThreeTimesTheLongestCheckpointWhenThatExceedsTheMargin) {
  const auto deadline = BatchClock::now() + 100s;
  WalltimeGuard guard(deadline, 10);
  EXPECT_EQ(guard.reserve_seconds(), 10);
  guard.record_checkpoint(2);  // 6 s < margin: the margin rules
  EXPECT_EQ(guard.reserve_seconds(), 10);
  guard.record_checkpoint(8);
  guard.record_checkpoint(1);  // the longest one counts, not the last
  EXPECT_EQ(guard.reserve_seconds(), 24);
  EXPECT_FALSE(guard.must_stop(deadline - 25s));
  EXPECT_TRUE(guard.must_stop(deadline - 24s));
}

TEST_F(SlurmEnvironment, DeadlineComesFromRunWalltimeOutsideSlurm) {
  EXPECT_EQ(find_deadline(config_with(0)), std::nullopt);
  const auto before = BatchClock::now();
  const auto deadline = find_deadline(config_with(120));
  ASSERT_TRUE(deadline.has_value());
  EXPECT_EQ(deadline->source, "run.walltime");
  // Counted from the start of the process, which began a little before `before`.
  EXPECT_GT(deadline->at, before + 100s);
  EXPECT_LE(deadline->at, BatchClock::now() + 120s);
}

TEST_F(SlurmEnvironment, TheEarlierOfSlurmsEndAndRunWalltimeWins) {
  const auto epoch_now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  setenv("SLURM_JOB_ID", "4242", 1);
  setenv("SLURM_JOB_END_TIME", std::to_string(epoch_now + 60).c_str(), 1);
  auto deadline = find_deadline(config_with(3600));
  ASSERT_TRUE(deadline.has_value());
  EXPECT_THAT(deadline->source, HasSubstr("Slurm job 4242"));
  EXPECT_LE(deadline->at, BatchClock::now() + 61s);
  EXPECT_GE(deadline->at, BatchClock::now() + 58s);

  deadline = find_deadline(config_with(10));
  ASSERT_TRUE(deadline.has_value());
  EXPECT_EQ(deadline->source, "run.walltime");
}

TEST(RestartCount, AllowsAFirstLaunchAndRestartsUpToTheCap) {
  const auto config = config_with(0, 3);
  EXPECT_NO_THROW(check_restart_count(config, nullptr));  // unset on the first run
  EXPECT_NO_THROW(check_restart_count(config, ""));
  EXPECT_NO_THROW(check_restart_count(config, "3"));
}

TEST(RestartCount, RefusesToStartBeyondTheCapWithExitCode5) {
  const auto config = config_with(0, 3);
  EXPECT_THAT([&] { check_restart_count(config, "4"); },
              ThrowsMessage<common::RestartLimitError>(
                  AllOf(HasSubstr("restarted this job 4 time(s)"),
                        HasSubstr("run.max_restarts = 3"), HasSubstr("'out/here'"))));
  try {
    check_restart_count(config_with(0, 0), "1");
    ADD_FAILURE() << "no error";
  } catch (const common::Error& e) {
    EXPECT_EQ(e.exit_code(), 5);
  }
}

}  // namespace
}  // namespace evo::master
