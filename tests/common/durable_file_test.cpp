// Durable writes: atomic replace, append, and what a failure leaves behind (nothing half
// written, no tmp file). Disk full itself is proven on a real tmpfs by
// tests/e2e/disk_full_test.sh; here /dev/full stands in for a full device.
#include "common/durable_file.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "common/error.hpp"

namespace evo::common {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class DurableFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           (std::string("evo_durable_test_") + info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST_F(DurableFileTest, ReplaceWritesTheWholeContentAndLeavesNoTmp) {
  const fs::path file = dir_ / "a.csv";
  replace_file_durably(file, bytes_of("old\n"));
  replace_file_durably(file, bytes_of("new,content\n"));
  EXPECT_EQ(read_text(file), "new,content\n");
  EXPECT_FALSE(fs::exists(dir_ / "a.csv.tmp"));
}

TEST_F(DurableFileTest, FailedReplaceLeavesTheFileAndNoTmp) {
  const fs::path file = dir_ / "sub" / "a.csv";  // the directory is missing: open fails
  try {
    replace_file_durably(file, bytes_of("x"));
    FAIL() << "expected a StorageError";
  } catch (const StorageError& error) {
    EXPECT_THAT(error.what(), HasSubstr("a.csv.tmp"));
    EXPECT_EQ(error.error_number(), ENOENT);
    EXPECT_EQ(error.exit_code(), kExitFailure);
  }
  EXPECT_FALSE(fs::exists(dir_ / "sub"));
}

TEST_F(DurableFileTest, AppendAddsToTheEnd) {
  const fs::path file = dir_ / "log.csv";
  append_to_file(file, bytes_of("a\n"));
  append_to_file(file, bytes_of("b\n"));
  EXPECT_EQ(read_text(file), "a\nb\n");
}

TEST_F(DurableFileTest, WriteAllReportsAFullDevice) {
  UniqueFd full(::open("/dev/full", O_WRONLY | O_CLOEXEC));
  if (!full.open()) GTEST_SKIP() << "no /dev/full";
  EXPECT_EQ(write_all(full.get(), bytes_of("data")), ENOSPC);
  try {
    write_all_or_throw(full.get(), bytes_of("data"), "/dev/full");
    FAIL() << "expected a StorageError";
  } catch (const StorageError& error) {
    EXPECT_TRUE(error.disk_full());
    EXPECT_THAT(error.what(), HasSubstr("/dev/full: write: No space left on device"));
  }
}

TEST_F(DurableFileTest, UniqueFdClosesOnceAndMoves) {
  UniqueFd fd = open_file(dir_ / "f", O_WRONLY | O_CREAT);
  ASSERT_TRUE(fd.open());
  UniqueFd moved = std::move(fd);
  EXPECT_FALSE(fd.open());  // NOLINT(bugprone-use-after-move): the moved-from state is the point
  EXPECT_EQ(moved.close(), 0);
  EXPECT_FALSE(moved.open());
  EXPECT_EQ(moved.close(), 0);
}

TEST_F(DurableFileTest, CreatesMissingDirectories) {
  create_directories_durably(dir_ / "a" / "b");
  EXPECT_TRUE(fs::is_directory(dir_ / "a" / "b"));
  sync_directory(dir_ / "a");
}

}  // namespace
}  // namespace evo::common
