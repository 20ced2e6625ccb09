#include "common/activity.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <new>
#include <string>

namespace evo::common {
namespace {

using ::testing::HasSubstr;

TEST(Activity, OutOfMemoryMessageNamesTheLastActivity) {
  note_activity("breeding generation {} of job {}", 12, 0);
  EXPECT_EQ(current_activity(), "breeding generation 12 of job 0");
  EXPECT_THAT(out_of_memory_message(),
              HasSubstr("out of memory while breeding generation 12 of job 0: "));
  note_activity("writing a checkpoint of job {}", 3);
  EXPECT_EQ(current_activity(), "writing a checkpoint of job 3");
}

TEST(Activity, LongActivitiesAreCutNotOverrun) {
  const std::string path(500, 'x');
  note_activity("reading checkpoint {}", path);
  EXPECT_EQ(current_activity().size(), detail::kActivityBytes);
  EXPECT_TRUE(current_activity().starts_with("reading checkpoint xxx"));
}

TEST(Activity, AScopePutsThePreviousActivityBackUnlessAnExceptionLeavesIt) {
  note_activity("evaluating generation {}", 4);
  { const ActivityScope scope("writing a checkpoint of job {}", 0); }
  EXPECT_EQ(current_activity(), "evaluating generation 4");
  try {
    const ActivityScope scope("writing a checkpoint of job {}", 1);
    throw std::bad_alloc();
  } catch (const std::bad_alloc&) {
    EXPECT_EQ(current_activity(), "writing a checkpoint of job 1");
  }
}

}  // namespace
}  // namespace evo::common
