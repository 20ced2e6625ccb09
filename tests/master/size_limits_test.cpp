#include "master/size_limits.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.hpp"
#include "common/messages.hpp"
#include "common/transport.hpp"

namespace evo::master {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

common::Config config_of(const std::string& text) {
  return common::parse_config(text, "sizes.toml");
}

MemoryLimit limit_of(std::uint64_t bytes) { return {bytes, "a test limit"}; }

const MemoryPart& part_named(const std::vector<MemoryPart>& parts, const std::string& start) {
  for (const MemoryPart& part : parts) {
    if (part.what.starts_with(start)) return part;
  }
  throw std::runtime_error("no part " + start);
}

TEST(SizeLimits, MaxDimensionIsTheLongestGenomeOneMessageHolds) {
  EXPECT_EQ(max_dimension(), 268435446u);
  EXPECT_LE(common::single_task_message_bytes(max_dimension()), common::kMaxMessageBytes);
  EXPECT_GT(common::single_task_message_bytes(max_dimension() + 1), common::kMaxMessageBytes);
}

TEST(SizeLimits, DefaultConfigFitsInOneGibibyte) {
  EXPECT_THAT(size_violations(common::Config{}, limit_of(kGiB)), IsEmpty());
  EXPECT_NO_THROW(check_sizes(common::Config{}, limit_of(kGiB)));
}

TEST(SizeLimits, GenomeOverTheMessageLimitNamesDimensionAndBytes) {
  const auto config = config_of("[problem]\nname = \"sphere\"\ndimension = 2000000000\n");
  const auto violations = size_violations(config, MemoryLimit{});  // no memory limit at all
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_THAT(violations[0],
              AllOf(HasSubstr("problem.dimension = 2000000000"), HasSubstr("16000000072 bytes"),
                    HasSubstr("2147483647 bytes"), HasSubstr("at most 268435446")));
}

TEST(SizeLimits, LongestGenomeThatFitsAMessageIsNotRefusedForIt) {
  const auto config = config_of(
      "[problem]\nname = \"sphere\"\ndimension = 268435446\n"
      "[algorithm]\npopulation = 2\nelitism = 0\n");
  EXPECT_THAT(size_violations(config, MemoryLimit{}), IsEmpty());
}

// A command with many objectives: its results come back a batch per message.
std::string many_objectives(int objectives, int batch) {
  return fmt::format(
      "[problem]\nname = \"command\"\ndimension = 1\n[command]\nargv = [\"/bin/true\"]\n"
      "objectives = {}\n[genome]\nlower = 0\nupper = 1\n[algorithm]\nname = \"nsga2\"\n"
      "population = 4\n[dispatch]\nbatch = {}\n",
      objectives, batch);
}

TEST(SizeLimits, ResultsOfTheLargestBatchMustFitInOneMessage) {
  // 1000000 results of 300 objectives: 2.4 GB.
  const auto explicit_batch = size_violations(config_of(many_objectives(300, 1000000)), {});
  ASSERT_THAT(explicit_batch, SizeIs(1));
  EXPECT_THAT(explicit_batch[0],
              AllOf(HasSubstr("300 objectives per result and dispatch.batch = 1000000"),
                    HasSubstr("lower dispatch.batch to at most 891441")));
  EXPECT_THAT(size_violations(config_of(many_objectives(300, 891441)), {}), IsEmpty());
  // Automatic batches hold at most kMaxBatch (4096) tasks: fine up to 65534 objectives.
  EXPECT_THAT(size_violations(config_of(many_objectives(65534, 0)), {}), IsEmpty());
  EXPECT_THAT(size_violations(config_of(many_objectives(70000, 0)), {}).at(0),
              HasSubstr("70000 objectives per result: the largest batch, 4096 results"));
}

TEST(SizeLimits, LargestPopulationCountsParentsAndOffspringExactly) {
  const auto config = config_of("[algorithm]\npopulation = 2147483647\n");  // rastrigin, 30 genes
  const auto parts = master_memory(config);
  const MemoryPart& populations = part_named(parts, "population and offspring");
  EXPECT_EQ(describe_bytes(populations.bytes), "1065151888912 bytes (992.0 GiB)");  // 2 n 31 x 8
  EXPECT_EQ(populations.keys, "algorithm.population, problem.dimension");
  // The hall of fame keeps run.hall_of_fame (10) of them.
  EXPECT_EQ(part_named(parts, "hall of fame").bytes, ByteCount{10 * 31 * 8});
  const auto violations = size_violations(config, limit_of(64 * kGiB));
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_THAT(violations[0],
              AllOf(HasSubstr("needs at least 1065151"), HasSubstr("68719476736 bytes"),
                    HasSubstr("a test limit"), HasSubstr("lower algorithm.population")));
}

TEST(SizeLimits, HundredMillionIndividualsOfThousandGenes) {
  const auto config = config_of(
      "[problem]\nname = \"sphere\"\ndimension = 1000\n[algorithm]\npopulation = 100000000\n");
  EXPECT_EQ(part_named(master_memory(config), "population and offspring").bytes,
            ByteCount{1601600000000});
  EXPECT_THAT(size_violations(config, limit_of(512 * kGiB)), SizeIs(1));
  EXPECT_THAT(size_violations(config, limit_of(2048 * kGiB)), IsEmpty());
}

TEST(SizeLimits, CmaesMatricesAreCountedBeyondSixtyFourBits) {
  // 3 x (2e9)^2 x 8 bytes = 9.6e19, more than 2^64: exact, not wrapped.
  const auto config = config_of(
      "[problem]\nname = \"sphere\"\ndimension = 2000000000\n"
      "[algorithm]\nname = \"cmaes\"\n");
  const auto parts = master_memory(config);
  const MemoryPart& matrices = part_named(parts, "covariance matrix");
  EXPECT_THAT(describe_bytes(matrices.bytes), HasSubstr("96000000000000000000 bytes"));
  EXPECT_EQ(matrices.keys, "problem.dimension");
  EXPECT_THAT(size_violations(config, MemoryLimit{}), SizeIs(2));  // message and memory
}

TEST(SizeLimits, CmaesRestartsSaturateRatherThanWrap) {
  const auto config = config_of(
      "[problem]\nname = \"sphere\"\ndimension = 10\n"
      "[algorithm]\nname = \"cmaes\"\ncmaes_restarts = 1000\n");
  const auto parts = master_memory(config);
  const MemoryPart& samples = part_named(parts, "samples");
  EXPECT_EQ(samples.bytes, ~ByteCount{0});
  const auto violations = size_violations(config, MemoryLimit{});
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_THAT(violations[0], HasSubstr("algorithm.cmaes_restarts"));
  // Nine restarts of lambda 10 (4 + floor(3 ln 10)): 5120 samples.
  const auto nine = config_of(
      "[problem]\nname = \"sphere\"\ndimension = 10\n"
      "[algorithm]\nname = \"cmaes\"\ncmaes_restarts = 9\n");
  EXPECT_EQ(part_named(master_memory(nine), "samples").bytes, ByteCount{5120 * 11 * 8});
  EXPECT_THAT(size_violations(nine, limit_of(kGiB)), IsEmpty());
}

TEST(SizeLimits, MuLambdaHoldsMuPlusLambda) {
  const auto config = config_of("[algorithm]\nname = \"mu_plus_lambda\"\npopulation = 10\n");
  // lambda defaults to 2 mu: 30 individuals of 30 genes and 1 objective.
  EXPECT_EQ(part_named(master_memory(config), "parents and offspring").bytes,
            ByteCount{30 * 31 * 8});
  const auto given =
      config_of("[algorithm]\nname = \"mu_comma_lambda\"\nmu = 5\nlambda = 2147483647\n");
  EXPECT_EQ(part_named(master_memory(given), "parents and offspring").bytes,
            ByteCount{2147483652} * 31 * 8);
  EXPECT_THAT(size_violations(given, limit_of(64 * kGiB)).at(0), HasSubstr("algorithm.lambda"));
}

TEST(SizeLimits, Nsga2SortsParentsAndOffspring) {
  const auto config = config_of(
      "[problem]\nname = \"zdt1\"\ndimension = 30\n[algorithm]\nname = \"nsga2\"\n"
      "population = 2147483647\n");
  const auto parts = master_memory(config);
  EXPECT_EQ(part_named(parts, "parents and offspring").bytes, ByteCount{2 * 2147483647LL} * 32 * 8);
  EXPECT_GT(part_named(parts, "non-dominated sorting").bytes, ByteCount{0});
  // A Pareto front, not run.hall_of_fame individuals: no hall-of-fame part.
  for (const MemoryPart& part : parts) EXPECT_THAT(part.what, Not(HasSubstr("hall of fame")));
}

TEST(SizeLimits, HallOfFameIsBoundedByWhatAGenerationHolds) {
  const auto config = config_of("[run]\nhall_of_fame = 2147483647\n[algorithm]\npopulation = 8\n");
  EXPECT_EQ(part_named(master_memory(config), "hall of fame").bytes, ByteCount{8 * 31 * 8});
}

TEST(SizeLimits, LogbookOfEveryGenerationNamesGenerations) {
  const auto config = config_of("[run]\ngenerations = 4611686018427387904\n");  // 2^62
  const auto violations = size_violations(config, MemoryLimit{});
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_THAT(violations[0], AllOf(HasSubstr("lower run.generations"), HasSubstr("logbook")));
}

TEST(SizeLimits, CheckSizesIsAConfigErrorNamingTheSource) {
  const auto config = config_of("[algorithm]\npopulation = 2147483647\n");
  try {
    check_sizes(config, limit_of(kGiB));
    FAIL() << "no error";
  } catch (const common::ConfigError& error) {
    EXPECT_EQ(error.exit_code(), common::kExitUsage);
    EXPECT_THAT(std::string(error.what()), AllOf(HasSubstr("sizes.toml: sizes that cannot fit"),
                                                 HasSubstr("algorithm.population")));
  }
}

TEST(SizeLimits, CheckSizesNamesTheOverridesToo) {
  const auto config =
      common::parse_config("[run]\nseed = 1\n", "sizes.toml", {"algorithm.population=2147483647"});
  try {
    check_sizes(config, limit_of(kGiB));
    FAIL() << "no error";
  } catch (const common::ConfigError& error) {
    EXPECT_THAT(std::string(error.what()),
                HasSubstr("sizes.toml with --set algorithm.population=2147483647: sizes that "
                          "cannot fit"));
  }
}

TEST(SizeLimits, DescribeBytesIsExactAndScaled) {
  EXPECT_EQ(describe_bytes(0), "0 bytes");
  EXPECT_EQ(describe_bytes(1023), "1023 bytes");
  EXPECT_EQ(describe_bytes(1536), "1536 bytes (1.5 KiB)");
  EXPECT_EQ(describe_bytes(ByteCount{1} << 64), "18446744073709551616 bytes (16.0 EiB)");
}

TEST(SizeLimits, MemoryLimitIsAtMostPhysicalMemory) {
  const MemoryLimit limit = memory_limit();
  EXPECT_GT(limit.bytes, 0u);
  EXPECT_LT(limit.bytes, UINT64_MAX);
  EXPECT_THAT(limit.source, Not(IsEmpty()));
}

// A cgroup file system tree under a scratch directory.
class CgroupTree : public ::testing::Test {
 protected:
  void write(const std::string& relative, const std::string& text) {
    const std::filesystem::path path = root_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text << "\n";
  }
  std::string root() const { return root_.string(); }
  void TearDown() override { std::filesystem::remove_all(root_); }

 private:
  std::filesystem::path root_ =
      std::filesystem::temp_directory_path() / ("evo-cgroup-test-" + std::to_string(::getpid()));
};

TEST_F(CgroupTree, V2LimitOfTheProcessCgroup) {
  write("slurm/job_7/memory.max", "1073741824");
  write("slurm/memory.max", "max");
  const MemoryLimit limit = cgroup_memory_limit("0::/slurm/job_7\n", root());
  EXPECT_EQ(limit.bytes, kGiB);
  EXPECT_THAT(limit.source, HasSubstr("slurm/job_7/memory.max"));
}

TEST_F(CgroupTree, AnAncestorsSmallerLimitBinds) {
  write("memory/slurm/uid_0/job_7/memory.limit_in_bytes", "4294967296");
  write("memory/slurm/memory.limit_in_bytes", "2147483648");
  write("memory/memory.limit_in_bytes", "9223372036854771712");  // v1's "no limit"
  const MemoryLimit limit =
      cgroup_memory_limit("4:memory:/slurm/uid_0/job_7\n3:cpu,cpuacct:/slurm\n", root());
  EXPECT_EQ(limit.bytes, 2 * kGiB);
  EXPECT_THAT(limit.source, HasSubstr("memory/slurm/memory.limit_in_bytes"));
}

TEST_F(CgroupTree, NoLimitAnywhereIsNoLimit) {
  write("memory.max", "max");
  EXPECT_EQ(cgroup_memory_limit("0::/\n", root()).bytes, UINT64_MAX);
  EXPECT_EQ(cgroup_memory_limit("0::/gone/away\ngarbage\n", root()).bytes, UINT64_MAX);
}

// In a child process, so that the limit does not bind the other tests.
int memory_limit_under_one_gib_address_space() {
  const rlimit one_gib{kGiB, kGiB};
  if (setrlimit(RLIMIT_AS, &one_gib) != 0) return 2;
  const MemoryLimit limit = memory_limit();
  return limit.bytes == kGiB && limit.source.find("RLIMIT_AS") != std::string::npos ? 0 : 1;
}

TEST(SizeLimits, MemoryLimitFollowsAnAddressSpaceLimit) {
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
  GTEST_SKIP() << "AddressSanitizer cannot run under a 1 GiB address space (its shadow memory)";
#endif
#endif
  EXPECT_EXIT(std::exit(memory_limit_under_one_gib_address_space()), ::testing::ExitedWithCode(0),
              "");
}

}  // namespace
}  // namespace evo::master
