#include "master/failure_digest.hpp"

#include <gtest/gtest.h>

namespace evo::master {
namespace {

constexpr auto kTimeout = static_cast<std::uint8_t>(common::EvalStatus::kTimeout);
constexpr auto kNonZeroExit = static_cast<std::uint8_t>(common::EvalStatus::kNonZeroExit);

TEST(FailureDigest, LogsTheFirstFewInFullAndCountsTheRestByClass) {
  FailureDigest digest(3);
  digest.begin(12);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(digest.log_in_full(kTimeout, false));
  for (int i = 0; i < 30; ++i) EXPECT_FALSE(digest.log_in_full(kTimeout, false));
  for (int i = 0; i < 7; ++i) EXPECT_FALSE(digest.log_in_full(kNonZeroExit, false));
  // Classes in EvalStatus order, whatever the order of arrival.
  EXPECT_EQ(digest.summary(), "generation 12: 37 more failures (non_zero_exit 7, timeout 30)");
}

TEST(FailureDigest, CountsRetriedAndFinalFailuresSeparately) {
  FailureDigest digest(2);
  digest.begin(7);
  EXPECT_TRUE(digest.log_in_full(kTimeout, true));
  EXPECT_TRUE(digest.log_in_full(kTimeout, true));
  EXPECT_FALSE(digest.log_in_full(kTimeout, true));
  // The first ones given the failure fitness are shown, however many retries came before.
  EXPECT_TRUE(digest.log_in_full(kTimeout, false));
  EXPECT_TRUE(digest.log_in_full(kTimeout, false));
  EXPECT_FALSE(digest.log_in_full(kTimeout, false));
  EXPECT_EQ(digest.summary(), "generation 7: 2 more failures (timeout 2)");
}

TEST(FailureDigest, HasNoSummaryWhenNothingWasHeldBack) {
  FailureDigest digest(3);
  digest.begin(4);
  EXPECT_EQ(digest.summary(), std::nullopt);
  for (int i = 0; i < 3; ++i) digest.log_in_full(kTimeout, false);
  EXPECT_EQ(digest.summary(), std::nullopt);
  digest.log_in_full(kTimeout, false);
  EXPECT_EQ(digest.summary(), "generation 4: 1 more failure (timeout 1)");
}

TEST(FailureDigest, StartsEachGenerationAfresh) {
  FailureDigest digest(1);
  digest.begin(1);
  digest.log_in_full(kTimeout, false);
  digest.log_in_full(kTimeout, false);
  digest.begin(2);
  EXPECT_EQ(digest.generation(), 2u);
  EXPECT_EQ(digest.summary(), std::nullopt);
  EXPECT_TRUE(digest.log_in_full(kNonZeroExit, false));  // the new generation's first, in full
}

TEST(FailureDigest, CountsAnUnknownStatusInTheLastClass) {
  FailureDigest digest(0);
  digest.begin(0);
  EXPECT_FALSE(digest.log_in_full(200, true));
  EXPECT_EQ(digest.summary(), "generation 0: 1 more failure (non_finite 1)");
}

}  // namespace
}  // namespace evo::master
