// The isolated parse: every way a child can end is reported as what it was, the caller
// survives all of them, and no child outlives the call. HDF5's real faults are reproduced
// end to end by tests/e2e/hdf5_faults_test.sh; here the child's work is plain code.
#include "common/isolated_parse.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
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

}  // namespace
}  // namespace evo::common
