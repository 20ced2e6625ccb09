#include "master/progress_meter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace evo::master {
namespace {

using ::testing::HasSubstr;
using Clock = ProgressMeter::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point kStart{seconds(1000)};

ProgressPlan plan(std::int64_t needed, std::int64_t done_before = 0, std::int64_t after = 0) {
  return ProgressPlan{"gen 3", needed, done_before, after};
}

TEST(ProgressMeter, PrintsNothingForAGenerationShorterThanTheInterval) {
  ProgressMeter meter(plan(100), 5, kStart);
  for (int i = 1; i <= 100; ++i) {
    EXPECT_EQ(meter.advance(1, kStart + milliseconds(40 * i)), std::nullopt) << i;
  }
}

TEST(ProgressMeter, PrintsAtMostOncePerInterval) {
  ProgressMeter meter(plan(100000), 5, kStart);
  int lines = 0;
  // One result batch every 100 ms for 60 s: 12 intervals, so 12 lines.
  for (int i = 1; i <= 600; ++i) {
    if (meter.advance(10, kStart + milliseconds(100 * i))) ++lines;
  }
  EXPECT_EQ(lines, 12);
}

TEST(ProgressMeter, NoLineOnceTheGenerationIsComplete) {
  ProgressMeter meter(plan(10), 1, kStart);
  EXPECT_EQ(meter.advance(10, kStart + seconds(30)), std::nullopt);
}

TEST(ProgressMeter, ReportsCountsRateAndEtaOfGenerationAndRun) {
  // 20 of 200 done before this launch; 60 more in 30 s = 2/s; 120 left here, 400 after.
  ProgressMeter meter(plan(200, 20, 400), 10, kStart);
  const auto line = meter.advance(60, kStart + seconds(30));
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "gen 3: 80/200 evaluations (40%), 2 evals/s, ETA generation 1m00s, run 4m20s");
}

TEST(ProgressMeter, FirstLineOnlyOneIntervalAfterTheStart) {
  ProgressMeter meter(plan(100), 5, kStart);
  EXPECT_EQ(meter.advance(1, kStart + milliseconds(4999)), std::nullopt);
  EXPECT_TRUE(meter.advance(1, kStart + seconds(5)));
  EXPECT_EQ(meter.advance(1, kStart + seconds(9)), std::nullopt);
  EXPECT_TRUE(meter.advance(1, kStart + seconds(10)));
}

TEST(FormatEta, ShowsTheTwoLargestUnits) {
  EXPECT_EQ(format_eta(42.4), "42 s");
  EXPECT_EQ(format_eta(187), "3m07s");
  EXPECT_EQ(format_eta(7500), "2h05m");
  EXPECT_EQ(format_eta(3 * 86400 + 4 * 3600 + 59), "3d04h");
  EXPECT_EQ(format_eta(-1), "unknown");
}

}  // namespace
}  // namespace evo::master
