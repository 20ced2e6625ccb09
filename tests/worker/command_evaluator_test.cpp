#include "worker/command_evaluator.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "worker/evaluator_factory.hpp"

namespace evo::worker {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::ThrowsMessage;

const std::string kFakeSimulation =
    std::string(EVO_SOURCE_DIR) + "/tests/worker/fake_simulation.sh";

// A directory of its own per test, removed afterwards.
class CommandEvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           fmt::format("command_evaluator_test-{}-{}", ::getpid(), info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "scratch");
    pid_file_ = dir_ / "pids";
    ::setenv("FAKE_SIM_PID_FILE", pid_file_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("FAKE_SIM_PID_FILE");
    std::filesystem::remove_all(dir_);
  }

  common::Config config(std::vector<std::string> argv, int dimension) const {
    common::Config c;
    c.source = "test.toml";
    c.problem.name = "command";
    c.problem.dimension = dimension;
    c.genome.lower = -5;
    c.genome.upper = 5;
    c.command.argv = std::move(argv);
    c.command.scratch_dir = (dir_ / "scratch").string();
    return c;
  }
  common::Config fake(int dimension) const {
    common::Config c = config({"bash", kFakeSimulation}, dimension);
    c.command.timeout_s = 20;  // a safety net: no test should get near it
    c.command.kill_grace_s = 1;
    return c;
  }

  struct Result {
    common::EvalOutcome outcome;
    std::vector<double> fitness;
    double seconds = 0;
  };
  static Result evaluate(const common::Config& c, const std::vector<double>& genome,
                         common::EvalContext context = {1, 0, 2, 3}) {
    const auto evaluator = make_evaluator(c);
    Result result;
    result.fitness.assign(static_cast<std::size_t>(evaluator->objectives()), 0.0);
    const auto start = std::chrono::steady_clock::now();
    result.outcome = evaluator->evaluate(genome, context, result.fitness);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }

  // Live (not zombie) processes of process group `pgid`, from /proc. Killed leftovers that
  // were reparented wait as zombies until init reaps them, which may take a while in a
  // container; they are dead, so they do not count.
  static int live_members(pid_t pgid) {
    int live = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream stat(entry.path() / "stat");
      std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
      const std::size_t paren = text.rfind(')');
      if (paren == std::string::npos) continue;
      std::istringstream fields(text.substr(paren + 1));
      char state = 0;
      pid_t parent = 0;
      pid_t group = 0;
      if (fields >> state >> parent >> group && group == pgid && state != 'Z' && state != 'X') {
        ++live;
      }
    }
    return live;
  }

  // Nothing of any process group the fake simulation reported is still running (SIGKILL
  // takes a moment to land, hence the short wait).
  void expect_no_process_left() const {
    std::ifstream pids(pid_file_);
    int count = 0;
    for (pid_t pid = 0; pids >> pid;) {
      ++count;
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (live_members(pid) > 0 && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      EXPECT_EQ(live_members(pid), 0) << "process group " << pid << " still has processes";
      errno = 0;
      if (::kill(-pid, 0) == -1) {
        EXPECT_EQ(errno, ESRCH) << "process group " << pid;
      }
    }
    EXPECT_GT(count, 0) << "the fake simulation did not record its pid";
  }

  std::vector<std::filesystem::path> scratch_entries() const {
    return {std::filesystem::directory_iterator(dir_ / "scratch"),
            std::filesystem::directory_iterator()};
  }

  std::filesystem::path dir_;
  std::filesystem::path pid_file_;
};

TEST_F(CommandEvaluatorTest, WellBehavedProgramGivesItsNumberExactly) {
  const std::vector<double> genome = {0.1, 2.0, 1.0 / 3.0};
  const Result r = evaluate(fake(3), genome);
  ASSERT_EQ(r.outcome.status, common::EvalStatus::kOk) << r.outcome.detail;
  // %.17g both ways: the same bits as computing it here.
  EXPECT_EQ(r.fitness[0], 0.1 * 0.1 + 2.0 * 2.0 + (1.0 / 3.0) * (1.0 / 3.0));
  expect_no_process_left();
  EXPECT_THAT(scratch_entries(), IsEmpty());
}

TEST_F(CommandEvaluatorTest, NonZeroExitNamesTheCodeAndShowsStderr) {
  const Result r = evaluate(fake(2), {-4.5, 1});
  EXPECT_EQ(r.outcome.status, common::EvalStatus::kNonZeroExit);
  EXPECT_THAT(r.outcome.detail, AllOf(StartsWith("command 'bash': non_zero_exit: exit code 3"),
                                      HasSubstr("failing on purpose with exit code 3")));
  EXPECT_TRUE(std::isnan(r.fitness[0]));
  expect_no_process_left();
}

TEST_F(CommandEvaluatorTest, KilledBySignalNamesTheSignal) {
  const Result r = evaluate(fake(2), {-3.5, 1});
  EXPECT_EQ(r.outcome.status, common::EvalStatus::kSignaled);
  EXPECT_THAT(r.outcome.detail,
              HasSubstr("command 'bash': signaled: killed by signal 11 (SIGSEGV)"));
  expect_no_process_left();
}

TEST_F(CommandEvaluatorTest, TimeoutKillsAProgramThatIgnoresSigterm) {
  common::Config c = fake(2);
  c.command.timeout_s = 1;
  c.command.kill_grace_s = 0.5;
  const Result r = evaluate(c, {-2.5, 1});
  EXPECT_EQ(r.outcome.status, common::EvalStatus::kTimeout);
  EXPECT_THAT(r.outcome.detail,
              AllOf(StartsWith("command 'bash': timeout: still running after 1 s"),
                    HasSubstr("SIGTERM"), HasSubstr("then SIGKILL after 0.5 s grace")));
  EXPECT_GE(r.seconds, 1.0);
  EXPECT_LT(r.seconds, 1.0 + 0.5 + 1.0);
  expect_no_process_left();
}

TEST_F(CommandEvaluatorTest, GarbageShowsTheOffendingLine) {
  const Result r = evaluate(fake(2), {-1.5, 1});
  EXPECT_EQ(r.outcome.status, common::EvalStatus::kGarbage);
  EXPECT_THAT(r.outcome.detail,
              AllOf(StartsWith("command 'bash': garbage: "), HasSubstr("exactly 1 number"),
                    HasSubstr("\"this is not a number\"")));
  expect_no_process_left();
}

TEST_F(CommandEvaluatorTest, NanIsNonFinite) {
  const Result r = evaluate(fake(2), {-0.75, 1});
  EXPECT_EQ(r.outcome.status, common::EvalStatus::kNonFinite);
  EXPECT_THAT(r.outcome.detail, AllOf(StartsWith("command 'bash': non_finite: "),
                                      HasSubstr("objective 1 of 1 is not finite in \"nan\"")));
}

TEST_F(CommandEvaluatorTest, NoOutputIsGarbage) {
  const Result r = evaluate(fake(2), {-0.3, 1});
  EXPECT_EQ(r.outcome.status, common::EvalStatus::kGarbage);
  EXPECT_THAT(r.outcome.detail, HasSubstr("garbage: no output on stdout"));
}

TEST_F(CommandEvaluatorTest, GrandchildHoldingThePipeDoesNotHangTheWorker) {
  const Result r = evaluate(fake(2), {-0.1, 2});
  ASSERT_EQ(r.outcome.status, common::EvalStatus::kOk) << r.outcome.detail;
  EXPECT_EQ(r.fitness[0], 0.1 * 0.1 + 4.0);
  EXPECT_LT(r.seconds, 10.0);  // not the grandchild's 30 s (bound loose for loaded machines)
  expect_no_process_left();    // the grandchild (sleep 30) is gone with its group
}

TEST_F(CommandEvaluatorTest, WrongNumberOfObjectivesIsGarbage) {
  common::Config c = fake(2);
  c.command.objectives = 2;
  const Result r = evaluate(c, {1, 1});
  EXPECT_EQ(r.outcome.status, common::EvalStatus::kGarbage);
  EXPECT_THAT(r.outcome.detail, AllOf(HasSubstr("exactly 2 numbers"), HasSubstr("\"2\"")));
}

TEST_F(CommandEvaluatorTest, SeveralObjectivesOnTheLastNonEmptyLine) {
  common::Config c = config({"/bin/sh", "-c", "echo progress 50%; echo '1.5\t-2 +3e2'; echo"}, 1);
  c.command.objectives = 3;
  c.command.input = "none";
  const Result r = evaluate(c, {0});
  ASSERT_EQ(r.outcome.status, common::EvalStatus::kOk) << r.outcome.detail;
  EXPECT_EQ(r.fitness, (std::vector<double>{1.5, -2, 300}));
}

TEST_F(CommandEvaluatorTest, EnvironmentDescribesTheEvaluation) {
  const common::EvalContext context{7, 1, 4, 5};
  const std::uint64_t eval_seed = common::Rng::for_evaluation(7, 1, 4, 5).next_u64();
  // Prints 1 when every variable is as expected, else what it saw.
  const std::string script = fmt::format(
      "if [ \"$EVO_SEED $EVO_JOB $EVO_GENERATION $EVO_INDEX $EVO_EVAL_SEED\" = '7 1 4 5 {}' ] && "
      "[ \"$EVO_SCRATCH\" = \"$(pwd -P)\" ]; then echo 1; else "
      "echo \"$EVO_SEED $EVO_JOB $EVO_GENERATION $EVO_INDEX $EVO_EVAL_SEED $EVO_SCRATCH\"; fi",
      eval_seed);
  common::Config c = config({"/bin/sh", "-c", script}, 1);
  c.command.input = "none";
  const Result r = evaluate(c, {0}, context);
  ASSERT_EQ(r.outcome.status, common::EvalStatus::kOk) << r.outcome.detail;
  EXPECT_EQ(r.fitness[0], 1);

  common::Config index_only = config({"/bin/sh", "-c", "echo $EVO_INDEX"}, 1);
  index_only.command.input = "none";
  EXPECT_EQ(evaluate(index_only, {0}, {1, 0, 0, 42}).fitness[0], 42);
}

TEST_F(CommandEvaluatorTest, MpiLaunchersVariablesAreNotPassedOn) {
  // What mpirun / srun put into a rank's environment; a program that uses MPI itself would
  // take them for its own. The evaluator takes the environment when it is made.
  const std::vector<std::string> launcher = {"OMPI_COMM_WORLD_RANK", "OMPI_MCA_ess_base_jobid",
                                             "PMIX_RANK", "PMI_FD", "MPI_LOCALRANKID"};
  for (const std::string& name : launcher) ::setenv(name.c_str(), "1", 1);
  ::setenv("EVO_TEST_KEPT", "7", 1);
  ::setenv("MPICH_TEST_KEPT", "8", 1);  // a user's setting, not the launcher's: kept
  common::Config c = config({"awk",
                             "BEGIN { n = 0; for (k in ENVIRON) if (k ~ /^(OMPI|PMIX|PMI|MPI)_/) "
                             "n++; print n, ENVIRON[\"EVO_TEST_KEPT\"], "
                             "ENVIRON[\"MPICH_TEST_KEPT\"] }"},
                            1);
  c.command.input = "none";
  c.command.objectives = 3;
  const Result r = evaluate(c, {0});
  for (const std::string& name : launcher) ::unsetenv(name.c_str());
  ::unsetenv("EVO_TEST_KEPT");
  ::unsetenv("MPICH_TEST_KEPT");
  ASSERT_EQ(r.outcome.status, common::EvalStatus::kOk) << r.outcome.detail;
  EXPECT_EQ(r.fitness, (std::vector<double>{0, 7, 8}));
}

TEST_F(CommandEvaluatorTest, ProgramRunsInAProcessGroupOfItsOwn) {
  // Prints its pid and its process group (field 5 of /proc/PID/stat; "sh" has no blanks).
  common::Config c = config({"/bin/sh", "-c",
                             "read -r pid comm state parent group rest </proc/$$/stat; "
                             "echo $pid $group"},
                            1);
  c.command.input = "none";
  c.command.objectives = 2;
  const Result r = evaluate(c, {0});
  ASSERT_EQ(r.outcome.status, common::EvalStatus::kOk) << r.outcome.detail;
  EXPECT_EQ(r.fitness[0], r.fitness[1]);
  EXPECT_NE(r.fitness[1], static_cast<double>(::getpgrp()));
}

TEST_F(CommandEvaluatorTest, ProgramStartsWithNoSignalBlockedOrIgnored) {
  // The worker's mask and ignored signals would survive exec; the program must not see them.
  // Signals 32 and 33 (bits 31 and 32 of SigIgn) are the exception: glibc's posix_spawn
  // (2.36, as in every program started with it) leaves its two internal signals ignored.
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGUSR1);
  sigset_t old_mask;
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &blocked, &old_mask), 0);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_term {};
  ASSERT_EQ(::sigaction(SIGTERM, &ignore, &old_term), 0);
  common::Config c = config({"awk",
                             "/^SigBlk:/ && $2 !~ /^0+$/ { bad = 1 } "
                             "/^SigIgn:/ && $2 !~ /^0000000[01][08]0000000$/ { bad = 1 } "
                             "END { print bad ? 0 : 1 }",
                             "/proc/self/status"},
                            1);
  c.command.input = "none";
  const Result r = evaluate(c, {0});
  ::sigaction(SIGTERM, &old_term, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ASSERT_EQ(r.outcome.status, common::EvalStatus::kOk) << r.outcome.detail;
  EXPECT_EQ(r.fitness[0], 1);
}

TEST_F(CommandEvaluatorTest, DescriptorsOfTheWorkerDoNotReachTheProgram) {
  // One without close-on-exec, as MPI or a library might leave it.
  const int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 0);
  common::Config c =
      config({"/bin/sh", "-c",
              fmt::format("if [ -e /proc/$$/fd/{} ]; then echo 0; else echo 1; fi", leaked)},
             1);
  c.command.input = "none";
  const Result r = evaluate(c, {0});
  ::close(leaked);
  ASSERT_EQ(r.outcome.status, common::EvalStatus::kOk) << r.outcome.detail;
  EXPECT_EQ(r.fitness[0], 1);
}

TEST_F(CommandEvaluatorTest, ScratchDirectoryTheProgramFilledIsRemoved) {
  common::Config c = config(
      {"/bin/sh", "-c", "mkdir -p out/deep && echo x >out/deep/f && echo x >g && echo 1"}, 1);
  c.command.input = "none";
  ASSERT_EQ(evaluate(c, {0}).outcome.status, common::EvalStatus::kOk);
  EXPECT_THAT(scratch_entries(), IsEmpty());
}

TEST_F(CommandEvaluatorTest, JsonInputCarriesGenomeAndContext) {
  const std::string expected =
      R"({"genome":[0.5,-1.25,0.10000000000000001],"seed":7,"generation":3,"index":4,"job":1})";
  common::Config c = config(
      {"/bin/sh", "-c",
       fmt::format("read -r line; if [ \"$line\" = '{}' ]; then echo 1; else echo \"$line\"; fi",
                   expected)},
      3);
  c.command.input = "json";
  const Result r = evaluate(c, {0.5, -1.25, 0.1}, {7, 1, 3, 4});
  ASSERT_EQ(r.outcome.status, common::EvalStatus::kOk) << r.outcome.detail;
  EXPECT_EQ(r.fitness[0], 1);
}

TEST_F(CommandEvaluatorTest, TemplateIsFilledIntoTheScratchDirectory) {
  const auto template_path = dir_ / "sim.in";
  std::ofstream(template_path) << "x0={x0} x1={x1}\ngenome={genome}\nseed={seed} index={index} "
                                  "generation={generation} job={job}\nleft alone: {x2} {other} {";
  const std::string expected =
      "x0=0.5 x1=-2\ngenome=0.5 -2\nseed=9 index=6 generation=8 job=0\nleft alone: {x2} {other} {";
  common::Config c = config(
      {"/bin/sh", "-c",
       fmt::format("if [ \"$(cat sub/case.in)\" = \"$(printf '{}')\" ]; then echo 1; else cat "
                   "sub/case.in >&2; echo 2; fi",
                   expected)},
      2);
  c.command.input = "none";
  c.command.template_path = template_path.string();
  c.command.template_target = "sub/case.in";
  const Result r = evaluate(c, {0.5, -2}, {9, 0, 8, 6});
  ASSERT_EQ(r.outcome.status, common::EvalStatus::kOk) << r.outcome.detail;
  EXPECT_EQ(r.fitness[0], 1);
}

TEST_F(CommandEvaluatorTest, MissingTemplateIsAConfigError) {
  common::Config c = config({"true"}, 1);
  c.command.template_path = (dir_ / "nope.in").string();
  EXPECT_THAT([&] { make_evaluator(c); },
              ThrowsMessage<common::ConfigError>(
                  AllOf(HasSubstr("command.template"), HasSubstr("nope.in"))));
}

TEST_F(CommandEvaluatorTest, ScratchDirectoryIsRemovedUnlessKeptOnFailure) {
  common::Config c = fake(2);
  EXPECT_EQ(evaluate(c, {-4.5, 0}).outcome.status, common::EvalStatus::kNonZeroExit);
  EXPECT_THAT(scratch_entries(), IsEmpty());

  c.command.keep_failed_scratch = true;
  EXPECT_EQ(evaluate(c, {1, 0}).outcome.status, common::EvalStatus::kOk);
  EXPECT_THAT(scratch_entries(), IsEmpty());  // kept on failure only

  const Result failed = evaluate(c, {-4.5, 0}, {1, 2, 3, 4});
  EXPECT_EQ(failed.outcome.status, common::EvalStatus::kNonZeroExit);
  const auto kept = scratch_entries();
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_THAT(kept[0].filename().string(),
              StartsWith(fmt::format("evocluster-{}-2-3-4-", ::getpid())));
  EXPECT_THAT(failed.outcome.detail, HasSubstr("scratch kept: " + kept[0].string()));
}

TEST_F(CommandEvaluatorTest, ProgramThatCannotBeStartedFails) {
  const Result r = evaluate(config({"/nonexistent/simulation"}, 1), {0});
  EXPECT_EQ(r.outcome.status, common::EvalStatus::kFailed);
  EXPECT_THAT(r.outcome.detail,
              HasSubstr("command '/nonexistent/simulation': failed: cannot execute: No such file"));
}

TEST_F(CommandEvaluatorTest, ProgramThatDoesNotReadItsInputIsFine) {
  // Far more than a pipe buffer: the write hits EPIPE, which must not kill us (SIGPIPE).
  const std::vector<double> genome(200000, 0.123456789);
  const Result r = evaluate(config({"/bin/sh", "-c", "echo 4"}, 200000), genome);
  ASSERT_EQ(r.outcome.status, common::EvalStatus::kOk) << r.outcome.detail;
  EXPECT_EQ(r.fitness[0], 4);
}

TEST_F(CommandEvaluatorTest, GenomeOfTheWrongLengthFails) {
  const Result r = evaluate(fake(3), {1, 2});
  EXPECT_EQ(r.outcome.status, common::EvalStatus::kFailed);
  EXPECT_THAT(r.outcome.detail, HasSubstr("genome has 2 genes, problem.dimension is 3"));
}

TEST(EvalStatus, EveryStatusHasAName) {
  EXPECT_STREQ(common::status_name(common::EvalStatus::kOk), "ok");
  EXPECT_STREQ(common::status_name(common::EvalStatus::kFailed), "failed");
  EXPECT_STREQ(common::status_name(common::EvalStatus::kNonZeroExit), "non_zero_exit");
  EXPECT_STREQ(common::status_name(common::EvalStatus::kSignaled), "signaled");
  EXPECT_STREQ(common::status_name(common::EvalStatus::kTimeout), "timeout");
  EXPECT_STREQ(common::status_name(common::EvalStatus::kGarbage), "garbage");
  EXPECT_STREQ(common::status_name(common::EvalStatus::kNonFinite), "non_finite");
  EXPECT_STREQ(common::status_name(static_cast<common::EvalStatus>(200)), "unknown");
}

}  // namespace
}  // namespace evo::worker
