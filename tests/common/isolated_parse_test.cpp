// The isolated parse: every way a child can end is reported as what it was, the caller
// survives all of them, and no child outlives the call. HDF5's real faults are reproduced
// end to end by tests/e2e/hdf5_faults_test.sh; here the child's work is plain code.
#include "common/isolated_parse.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"

namespace evo::common {
namespace {

using ::testing::HasSubstr;
using Outcome = IsolatedParseResult::Outcome;

IsolatedParseLimits limits(std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
  return {std::size_t{256} << 20, deadline};
}

// No child of this process is left, zombie or running.
void expect_no_child_left() {
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(IsolatedParse, AParseThatReturnsIsAccepted) {
  const IsolatedParseResult result = run_isolated_parse([] {}, limits());
  EXPECT_EQ(result.outcome, Outcome::kAccepted);
  expect_no_child_left();
}

TEST(IsolatedParse, AnErrorIsRefusedWithItsMessageAndExitCode) {
  const IsolatedParseResult result = run_isolated_parse(
      [] { throw IncompatibleCheckpointError("checkpoint x: written by another build"); },
      limits());
  EXPECT_EQ(result.outcome, Outcome::kRefused);
  EXPECT_EQ(result.message, "checkpoint x: written by another build");
  EXPECT_EQ(result.exit_code, kExitIncompatibleCheckpoint);
  expect_no_child_left();
}

TEST(IsolatedParse, ACrashIsAFailureNamingTheSignal) {
  const IsolatedParseResult result = run_isolated_parse([] { std::raise(SIGSEGV); }, limits());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  // Under AddressSanitizer its own SEGV handler may end the child with exit 1 instead.
  EXPECT_THAT(result.message, ::testing::AnyOf(HasSubstr("crashed (signal 11"),
                                               HasSubstr("exit status 1 and no verdict")));
  expect_no_child_left();
}

TEST(IsolatedParse, AParseThatNeverEndsIsKilledAtTheDeadline) {
  const auto start = std::chrono::steady_clock::now();
  const IsolatedParseResult result = run_isolated_parse(
      [] {
        for (;;) ::pause();  // never returns: only the deadline's SIGKILL ends it
      },
      limits(std::chrono::milliseconds(300)));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_THAT(result.message, HasSubstr("did not finish within"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));  // no hang
  expect_no_child_left();
}

TEST(IsolatedParse, AnExitWithoutVerdictIsAFailure) {
  const IsolatedParseResult result = run_isolated_parse([] { ::_exit(7); }, limits());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_THAT(result.message, HasSubstr("exit status 7"));
  expect_no_child_left();
}

TEST(IsolatedParse, MemoryBeyondTheBudgetIsAFailureNotTheCallersProblem) {
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
  GTEST_SKIP() << "the memory budget is not applied under AddressSanitizer";
#endif
#endif
  const IsolatedParseResult result = run_isolated_parse(
      [] {
        std::vector<char> huge(std::size_t{4} << 30, 1);  // 4 GiB against a 256 MiB budget
        (void)huge;
      },
      limits());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_THAT(result.message, HasSubstr("more than its 256 MiB"));
  expect_no_child_left();
}

// Whether `pid` is gone: no such process, or a zombie nobody has reaped yet.
bool gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const std::size_t end = line.rfind(')');
  return end != std::string::npos && end + 2 < line.size() && line[end + 2] == 'Z';
}

TEST(IsolatedParse, TheChildDiesWithItsCaller) {
  std::array<int, 2> fds{};
  ASSERT_EQ(::pipe(fds.data()), 0);
  const pid_t caller = ::fork();
  ASSERT_GE(caller, 0);
  if (caller == 0) {  // the caller: its parse child reports its pid, then never ends
    (void)run_isolated_parse(
        [&] {
          const pid_t self = ::getpid();
          (void)::write(fds[1], &self, sizeof self);
          for (;;) ::pause();
        },
        limits(std::chrono::seconds(600)));
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t parse_child = 0;
  ASSERT_EQ(::read(fds[0], &parse_child, sizeof parse_child),
            static_cast<ssize_t>(sizeof parse_child));
  ::close(fds[0]);
  ::kill(caller, SIGKILL);  // as kill -9 of a rank
  ::waitpid(caller, nullptr, 0);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!gone(parse_child) && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone(parse_child)) << "the parse child " << parse_child << " outlived its caller";
  if (!gone(parse_child)) ::kill(parse_child, SIGKILL);
}

}  // namespace
}  // namespace evo::common
