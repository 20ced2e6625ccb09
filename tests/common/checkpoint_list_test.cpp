// `evocluster list`: every job's checkpoints, judged as run judges them, in aligned columns.
#include "common/checkpoint_list.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/checkpoint_store.hpp"
#include "common/error.hpp"
#include "tests/common/valid_checkpoint_state.hpp"

namespace evo::common {
namespace {

namespace fs = std::filesystem;
using ::testing::StartsWith;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class CheckpointListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    out_ = fs::temp_directory_path() /
           (std::string("evo_list_test_") + info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(out_);
    fs::create_directories(out_);
  }
  void TearDown() override { fs::remove_all(out_); }
  fs::path out_;
};

TEST_F(CheckpointListTest, ListsEveryJobInOrderAndMarksDamagedFiles) {
  CheckpointStore job0(out_ / "job.0" / "checkpoints", 5);
  CheckpointStore job10(out_ / "job.10" / "checkpoints", 5);
  CheckpointStore job2(out_ / "job.2" / "checkpoints", 5);
  job10.commit(make_valid_checkpoint_state(10, 1));
  job0.commit(make_valid_checkpoint_state(0, 1));
  // (A final checkpoint and its stop_reason: e2e/progress_test.sh, on a real run.)
  job0.commit(make_valid_checkpoint_state(0, 2));
  const fs::path damaged = job2.commit(make_valid_checkpoint_state(2, 1));
  { std::ofstream(damaged, std::ios::binary | std::ios::trunc) << "not a checkpoint"; }
  fs::create_directories(out_ / "job.x" / "checkpoints");  // not a job directory: ignored

  const auto listings = list_checkpoints(out_);
  ASSERT_EQ(listings.size(), 4u);
  // Jobs numerically (2 before 10), oldest first within a job.
  EXPECT_EQ(listings[0].file, fs::path("job.0/checkpoints/ckpt-000001-j0-g000001.h5"));
  EXPECT_EQ(listings[1].file, fs::path("job.0/checkpoints/ckpt-000002-j0-g000002.h5"));
  EXPECT_EQ(listings[2].file.parent_path(), fs::path("job.2/checkpoints"));
  EXPECT_EQ(listings[3].file.parent_path(), fs::path("job.10/checkpoints"));
  EXPECT_TRUE(listings[1].intact);
  EXPECT_FALSE(listings[1].final);
  EXPECT_EQ(listings[1].generation, 2);
  EXPECT_EQ(listings[1].sequence, 2u);
  EXPECT_FALSE(listings[2].intact);
  EXPECT_FALSE(listings[2].reason.empty());
  EXPECT_EQ(listings[2].size, std::string("not a checkpoint").size());
  EXPECT_EQ(listings[3].job, 10);

  const auto lines = lines_of(format_checkpoint_list(listings));
  ASSERT_EQ(lines.size(), 6u);  // header, 4 checkpoints, 1 damaged reason
  EXPECT_THAT(lines[0], StartsWith("file "));
  // Aligned: every column starts where the header's does.
  const std::size_t intact_at = lines[0].find("intact");
  for (std::size_t i = 1; i <= 4; ++i) {
    const std::string expected = listings[i - 1].intact ? "yes" : "no ";
    EXPECT_EQ(lines[i].substr(intact_at, 3), expected) << lines[i];
    EXPECT_EQ(lines[i].size(), lines[0].size()) << lines[i];  // sizes right-aligned
  }
  EXPECT_EQ(lines[2].substr(lines[0].find("final"), 3), "no ");
  EXPECT_EQ(lines[2].substr(lines[0].find("generation"), 10), "         2");
  EXPECT_EQ(lines[1].substr(lines[0].find("stop_reason"), 2), "- ");
  EXPECT_THAT(lines[5], StartsWith("job.2/checkpoints/ckpt-000001-j2-g000001.h5: DAMAGED: "));
}

TEST_F(CheckpointListTest, ListsASingleJobDirectory) {
  CheckpointStore store(out_ / "checkpoints", 5);
  store.commit(make_valid_checkpoint_state(0, 3));
  const auto listings = list_checkpoints(out_);
  ASSERT_EQ(listings.size(), 1u);
  EXPECT_EQ(listings[0].file, fs::path("checkpoints/ckpt-000001-j0-g000003.h5"));
  EXPECT_TRUE(listings[0].intact);
  EXPECT_EQ(run_list(out_), kExitOk);
}

TEST_F(CheckpointListTest, NoCheckpointOrNoDirectoryIsExitThree) {
  EXPECT_EQ(run_list(out_), kExitNoCheckpoint);
  EXPECT_EQ(run_list(out_ / "missing"), kExitNoCheckpoint);
  EXPECT_THROW(list_checkpoints(out_ / "missing"), Error);
}

}  // namespace
}  // namespace evo::common
