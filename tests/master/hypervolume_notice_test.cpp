#include "master/hypervolume_notice.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace evo::master {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

common::Logbook rows_with_hypervolume(const std::vector<double>& values) {
  common::Logbook logbook;
  for (std::size_t gen = 0; gen < values.size(); ++gen) {
    common::LogRecord row;
    row.gen = static_cast<std::int64_t>(gen);
    row.objective_stats = {0.1, 2.0, 3.5, 4.0, 5.0, 6.25};  // min, avg, max per objective
    row.hypervolume = values[gen];
    logbook.rows.push_back(row);
  }
  return logbook;
}

TEST(ZeroHypervolumeNotice, ComesAfterTenZeroGenerationsNamingTheKey) {
  const std::vector<double> reference = {1.1, 1.1};
  EXPECT_EQ(
      zero_hypervolume_notice(rows_with_hypervolume(std::vector<double>(9, 0.0)), reference, 100),
      std::nullopt);
  const auto notice = zero_hypervolume_notice(
      rows_with_hypervolume(std::vector<double>(kZeroHypervolumeGenerations, 0.0)), reference, 100);
  ASSERT_TRUE(notice.has_value());
  EXPECT_THAT(*notice, AllOf(HasSubstr("0 in all 10 generations"), HasSubstr("[1.1, 1.1]"),
                             HasSubstr("[3.5, 6.25]"), HasSubstr("algorithm.hv_reference")));
}

TEST(ZeroHypervolumeNotice, ComesAtTheLastGenerationOfAShortRun) {
  const std::vector<double> reference = {2.0, 2.0};
  EXPECT_TRUE(zero_hypervolume_notice(rows_with_hypervolume({0, 0, 0}), reference, 2).has_value());
  EXPECT_FALSE(zero_hypervolume_notice(rows_with_hypervolume({0, 0, 0}), reference, 3).has_value());
}

TEST(ZeroHypervolumeNotice, SilentOnceAFrontPointCountsOrWithoutAColumn) {
  std::vector<double> values(20, 0.0);
  values[4] = 0.25;
  const std::vector<double> reference = {1.1, 1.1};
  EXPECT_FALSE(zero_hypervolume_notice(rows_with_hypervolume(values), reference, 19).has_value());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(
      zero_hypervolume_notice(rows_with_hypervolume(std::vector<double>(20, nan)), reference, 19)
          .has_value());
  EXPECT_FALSE(zero_hypervolume_notice(common::Logbook{}, reference, 0).has_value());
}

}  // namespace
}  // namespace evo::master
