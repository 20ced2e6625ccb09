// The checkpoint directory: names and order by sequence number, keeping the last K,
// and resuming from the newest intact file while loudly skipping damaged ones.
#include "common/checkpoint_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "tests/common/valid_checkpoint_state.hpp"

namespace evo::common {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

CheckpointState make_state(int job, std::int64_t generation) {
  return make_valid_checkpoint_state(job, generation);
}

std::vector<std::string> names(const std::vector<fs::path>& paths) {
  std::vector<std::string> out;
  for (const fs::path& path : paths) out.push_back(path.filename().string());
  return out;
}

void flip_middle_byte(const fs::path& path) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(0, std::ios::end);
  const std::streamoff size = file.tellg();
  file.seekg(size / 2);
  char byte = 0;
  file.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x10);
  file.seekp(size / 2);
  file.write(&byte, 1);
}

struct Report {
  fs::path path;
  std::string reason;
};

class CheckpointStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() /
            (std::string("evo_store_test_") + info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    dir_ = root_ / "out" / "checkpoints";  // created by the first commit
  }
  void TearDown() override { fs::remove_all(root_); }

  auto recorder() {
    return [this](const fs::path& path, const std::string& reason) {
      reports_.push_back({path, reason});
    };
  }

  fs::path root_;
  fs::path dir_;
  std::vector<Report> reports_;
};

TEST_F(CheckpointStoreTest, NamesBySequenceJobAndGeneration) {
  CheckpointStore store(dir_, 5);
  EXPECT_TRUE(store.list().empty());
  const fs::path first = store.commit(make_state(2, 10));
  const fs::path second = store.commit(make_state(2, 20));
  EXPECT_EQ(first, dir_ / "ckpt-000001-j2-g000010.h5");
  EXPECT_EQ(second, dir_ / "ckpt-000002-j2-g000020.h5");
  EXPECT_THAT(names(store.list()),
              ElementsAre("ckpt-000001-j2-g000010.h5", "ckpt-000002-j2-g000020.h5"));
  EXPECT_EQ(read_checkpoint(second).generation, 20);
}

TEST_F(CheckpointStoreTest, OrdersBySequenceNumberNotByNameOrTime) {
  CheckpointStore store(dir_, 10);
  const fs::path seed = store.commit(make_state(0, 1));
  fs::rename(seed, dir_ / "ckpt-999999-j0-g000001.h5");
  // Not checkpoints: ignored by list() and by the sequence scan.
  std::ofstream(dir_ / "notes.txt") << "x";
  std::ofstream(dir_ / "ckpt-abc-j0-g000001.h5") << "x";
  std::ofstream(dir_ / "ckpt-5000000-j0-g000001.h5.tmp") << "x";

  CheckpointStore reopened(dir_, 10);
  const fs::path next = reopened.commit(make_state(0, 2));
  EXPECT_EQ(next.filename(), "ckpt-1000000-j0-g000002.h5");  // sorts before 999999 as text
  // An older sequence number with a newer modification time still sorts first.
  fs::last_write_time(dir_ / "ckpt-999999-j0-g000001.h5",
                      fs::last_write_time(next) + std::chrono::hours(1));
  EXPECT_THAT(names(reopened.list()),
              ElementsAre("ckpt-999999-j0-g000001.h5", "ckpt-1000000-j0-g000002.h5"));
}

TEST_F(CheckpointStoreTest, KeepsOnlyTheNewestK) {
  CheckpointStore store(dir_, 3);
  for (int g = 1; g <= 5; ++g) store.commit(make_state(0, g * 10));
  EXPECT_THAT(names(store.list()),
              ElementsAre("ckpt-000003-j0-g000030.h5", "ckpt-000004-j0-g000040.h5",
                          "ckpt-000005-j0-g000050.h5"));
}

TEST_F(CheckpointStoreTest, KeepOneKeepsTheNewest) {
  CheckpointStore store(dir_, 1);
  store.commit(make_state(0, 1));
  const fs::path newest = store.commit(make_state(0, 2));
  EXPECT_EQ(store.list(), std::vector<fs::path>{newest});
}

TEST_F(CheckpointStoreTest, RejectsKeepBelowOne) {
  EXPECT_THAT([&] { CheckpointStore(dir_, 0); },
              ThrowsMessage<ConfigError>(HasSubstr("checkpoint.keep")));
}

TEST_F(CheckpointStoreTest, SequenceContinuesAfterReopening) {
  {
    CheckpointStore store(dir_, 5);
    store.commit(make_state(0, 1));
    store.commit(make_state(0, 2));
  }
  CheckpointStore reopened(dir_, 5);
  EXPECT_EQ(reopened.commit(make_state(0, 3)).filename(), "ckpt-000003-j0-g000003.h5");
}

TEST_F(CheckpointStoreTest, NewestIntactReturnsTheNewest) {
  CheckpointStore store(dir_, 3);
  store.commit(make_state(0, 10));
  const fs::path newest = store.commit(make_state(0, 20));
  const auto found = store.newest_intact(recorder());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->path, newest);
  EXPECT_EQ(found->state.generation, 20);
  EXPECT_TRUE(reports_.empty());
}

TEST_F(CheckpointStoreTest, NewestIntactSkipsADamagedNewestAndReportsIt) {
  CheckpointStore store(dir_, 3);
  store.commit(make_state(0, 10));
  const fs::path previous = store.commit(make_state(0, 20));
  const fs::path newest = store.commit(make_state(0, 30));
  flip_middle_byte(newest);

  const auto found = store.newest_intact(recorder());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->path, previous);
  EXPECT_EQ(found->state.generation, 20);
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].path, newest);
  EXPECT_THAT(reports_[0].reason, HasSubstr("checksum mismatch"));
}

TEST_F(CheckpointStoreTest, KeepCountsIntactCheckpointsOnlyAfterSkippingADamagedOne) {
  {
    CheckpointStore store(dir_, 2);
    store.commit(make_state(0, 10));
    store.commit(make_state(0, 20));
    flip_middle_byte(store.commit(make_state(0, 30)));
  }
  CheckpointStore store(dir_, 2);  // a resumed launch
  const auto found = store.newest_intact(recorder());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->state.generation, 20);
  store.commit(make_state(0, 30));
  // Two intact ones (g20, the new g30) stay; the damaged g30 stays too, as it is newer
  // than the second intact one; only g10 goes.
  EXPECT_THAT(names(store.list()),
              ElementsAre("ckpt-000002-j0-g000020.h5", "ckpt-000003-j0-g000030.h5",
                          "ckpt-000004-j0-g000030.h5"));
  store.commit(make_state(0, 40));
  // Now the damaged one is older than the second intact one and goes with g20.
  EXPECT_THAT(names(store.list()),
              ElementsAre("ckpt-000004-j0-g000030.h5", "ckpt-000005-j0-g000040.h5"));
}

TEST_F(CheckpointStoreTest, NewestIntactRemovesLeftoverTmpFiles) {
  CheckpointStore store(dir_, 3);
  const fs::path only = store.commit(make_state(0, 10));
  const fs::path tmp = dir_ / "ckpt-000002-j0-g000020.h5.tmp";
  std::ofstream(tmp) << "half-written";
  const auto found = store.newest_intact(recorder());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->path, only);
  EXPECT_FALSE(fs::exists(tmp));
  EXPECT_TRUE(reports_.empty());
}

TEST_F(CheckpointStoreTest, NewestIntactIsEmptyWhenNothingIsIntact) {
  CheckpointStore store(dir_, 3);
  const fs::path a = store.commit(make_state(0, 10));
  const fs::path b = store.commit(make_state(0, 20));
  flip_middle_byte(a);
  fs::resize_file(b, 100);
  EXPECT_FALSE(store.newest_intact(recorder()).has_value());
  ASSERT_EQ(reports_.size(), 2u);
  EXPECT_EQ(reports_[0].path, b);
  EXPECT_THAT(reports_[0].reason, HasSubstr("truncated"));
  EXPECT_EQ(reports_[1].path, a);
  EXPECT_THAT(reports_[1].reason, HasSubstr("checksum mismatch"));
}

TEST_F(CheckpointStoreTest, NewestIntactIsEmptyForAMissingOrEmptyDirectory) {
  CheckpointStore store(dir_, 3);
  EXPECT_FALSE(store.newest_intact(recorder()).has_value());
  fs::create_directories(dir_);
  EXPECT_FALSE(store.newest_intact(recorder()).has_value());
  EXPECT_TRUE(reports_.empty());
}

TEST_F(CheckpointStoreTest, NewestIntactDoesNotFallBackPastAnIncompatibleFile) {
  CheckpointStore store(dir_, 3);
  store.commit(make_state(0, 10));
  const fs::path newest = store.commit(make_state(0, 20));
  // Rewrite the newest as format version 2, with a header checksum that matches.
  std::vector<unsigned char> bytes;
  {
    std::ifstream in(newest, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  bytes[16] = static_cast<unsigned char>(kCheckpointFormatVersion + 1);
  std::vector<unsigned char> block(bytes.begin(), bytes.begin() + 512);
  std::fill(block.begin() + 48, block.begin() + 56, 0);
  XXH64_canonical_t canonical;
  XXH64_canonicalFromHash(&canonical, XXH3_64bits(block.data(), block.size()));
  std::copy(std::begin(canonical.digest), std::end(canonical.digest), bytes.begin() + 48);
  {
    std::ofstream out(newest, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  EXPECT_THAT([&] { store.newest_intact(recorder()); },
              ThrowsMessage<IncompatibleCheckpointError>(HasSubstr("format version 2")));
}

TEST_F(CheckpointStoreTest, CommitRejectsNegativeGeneration) {
  CheckpointStore store(dir_, 3);
  EXPECT_THAT([&] { store.commit(make_state(0, -1)); },
              ThrowsMessage<CheckpointError>(HasSubstr("generation -1")));
}

}  // namespace
}  // namespace evo::common
