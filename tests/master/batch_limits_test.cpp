#include "master/batch_limits.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
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

TEST(SecondsUntilLocalTime, ReadsSlurmsEndTimeInTheLocalTimeZone) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t later = std::chrono::system_clock::to_time_t(now + 100s);
  std::tm parts{};
  localtime_r(&later, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts);
  const auto left = seconds_until_local_time(text, now);
  ASSERT_TRUE(left.has_value()) << text;
  EXPECT_NEAR(*left, 100, 1.01);
  EXPECT_EQ(seconds_until_local_time("2000-01-01T00:00:00", now), 0);  // past: none left
  for (const char* other : {"NONE", "N/A", "Unknown", "", "2026-11-24T12:21:07x"}) {
    EXPECT_EQ(seconds_until_local_time(other, now), std::nullopt) << other;
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

TEST(WalltimeGuard, ARefreshThatBringsTheEndForwardStopsTheRun) {
  // As Slurm does when it preempts a job with a GraceTime, or its limit is lowered.
  const auto start = BatchClock::now();
  WalltimeGuard guard(
      start + 1000s, 10,
      [&] {
        return std::optional(Deadline{start + 5s, "test"});
      },
      0);
  EXPECT_TRUE(guard.must_stop(start));
}

TEST(WalltimeGuard, KeepsWhatItKnewWhenARefreshGetsNoAnswer) {
  const auto start = BatchClock::now();
  WalltimeGuard guard(
      start + 1000s, 10, [] { return std::optional<Deadline>(); }, 0);
  EXPECT_FALSE(guard.must_stop(start));
  EXPECT_TRUE(guard.must_stop(start + 995s));
}

TEST(WalltimeGuard, ARefreshCanActivateAGuardThatHadNoDeadline) {
  const auto start = BatchClock::now();
  WalltimeGuard guard(
      std::nullopt, 10,
      [&] {
        return std::optional(Deadline{start + 60s, "t"});
      },
      0);
  EXPECT_FALSE(guard.active());
  EXPECT_FALSE(guard.must_stop(start));
  EXPECT_TRUE(guard.active());
  EXPECT_TRUE(guard.must_stop(start + 50s));
}

TEST(WalltimeGuard, AsksAtMostOncePerRefreshInterval) {
  int asked = 0;
  const auto start = BatchClock::now();
  WalltimeGuard guard(
      start + 1000s, 10,
      [&] {
        ++asked;
        return std::optional<Deadline>();
      },
      30);
  guard.must_stop(start + 1s);
  EXPECT_EQ(asked, 0);
  guard.must_stop(start + 31s);
  guard.must_stop(start + 40s);
  EXPECT_EQ(asked, 1);
  guard.must_stop(start + 62s);
  EXPECT_EQ(asked, 2);
}

TEST_F(SlurmEnvironment, OnlyAGuardInsideASlurmJobAsksSlurmAgain) {
  const auto config = config_with(100);
  // Outside Slurm: nothing to refresh, the deadline stays run.walltime's (100 s, less the
  // default margin of 60 s).
  WalltimeGuard outside = make_walltime_guard(config, find_deadline(config));
  EXPECT_FALSE(outside.must_stop(BatchClock::now() + 35s));
  EXPECT_TRUE(outside.must_stop(BatchClock::now() + 45s));
  // Inside a Slurm job whose end time is in 40 s, the refresh finds it.
  const auto epoch_now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  setenv("SLURM_JOB_ID", "77", 1);
  setenv("SLURM_JOB_END_TIME", std::to_string(epoch_now + 40).c_str(), 1);
  WalltimeGuard inside = make_walltime_guard(config, std::nullopt);
  EXPECT_FALSE(inside.active());
  EXPECT_TRUE(inside.must_stop(BatchClock::now() +
                               std::chrono::seconds(static_cast<long>(kSlurmRefreshSeconds) + 1)));
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
