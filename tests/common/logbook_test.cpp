#include "common/logbook.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace evo::common {
namespace {

namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kFailure = 1e300;  // dispatch.failure_fitness's default

class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("evo_logbook_test_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

Population with_fitness(const std::vector<double>& fitness, std::size_t objectives = 1) {
  Population population(fitness.size() / objectives, 2, objectives);
  population.fitness = fitness;
  return population;
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  for (std::string field; std::getline(stream, field, ',');) fields.push_back(field);
  return fields;
}

LogRecord parse_row(const std::string& line) {
  const std::vector<std::string> f = split(line);
  EXPECT_EQ(f.size(), 16u) << line;
  LogRecord row;
  row.gen = std::stoll(f.at(0));
  row.evals = std::stoll(f.at(1));
  row.min = std::strtod(f.at(2).c_str(), nullptr);
  row.avg = std::strtod(f.at(3).c_str(), nullptr);
  row.max = std::strtod(f.at(4).c_str(), nullptr);
  row.std = std::strtod(f.at(5).c_str(), nullptr);
  row.failed = std::stoll(f.at(6));
  row.retried = std::stoll(f.at(7));
  row.wall_s = std::strtod(f.at(8).c_str(), nullptr);
  row.evals_per_s = std::strtod(f.at(9).c_str(), nullptr);
  row.status_failed = std::stoll(f.at(10));
  row.status_non_zero_exit = std::stoll(f.at(11));
  row.status_signaled = std::stoll(f.at(12));
  row.status_timeout = std::stoll(f.at(13));
  row.status_garbage = std::stoll(f.at(14));
  row.status_non_finite = std::stoll(f.at(15));
  return row;
}

// Bit-exact for numbers; NaN equals NaN.
void expect_same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) {
    EXPECT_TRUE(std::isnan(a) && std::isnan(b)) << a << " vs " << b;
  } else {
    EXPECT_EQ(a, b);
  }
}

void expect_same(const LogRecord& a, const LogRecord& b) {
  EXPECT_EQ(a.gen, b.gen);
  EXPECT_EQ(a.evals, b.evals);
  expect_same(a.min, b.min);
  expect_same(a.avg, b.avg);
  expect_same(a.max, b.max);
  expect_same(a.std, b.std);
  EXPECT_EQ(a.failed, b.failed);
  EXPECT_EQ(a.retried, b.retried);
  expect_same(a.wall_s, b.wall_s);
  expect_same(a.evals_per_s, b.evals_per_s);
  EXPECT_EQ(a.status_failed, b.status_failed);
  EXPECT_EQ(a.status_non_zero_exit, b.status_non_zero_exit);
  EXPECT_EQ(a.status_signaled, b.status_signaled);
  EXPECT_EQ(a.status_timeout, b.status_timeout);
  EXPECT_EQ(a.status_garbage, b.status_garbage);
  EXPECT_EQ(a.status_non_finite, b.status_non_finite);
}

TEST(Logbook, ColumnsAreTheDocumentedOnes) {
  EXPECT_EQ(logbook_columns(),
            (std::vector<std::string>{"gen", "evals", "min", "avg", "max", "std", "failed",
                                      "retried", "wall_s", "evals_per_s", "status_failed",
                                      "status_non_zero_exit", "status_signaled", "status_timeout",
                                      "status_garbage", "status_non_finite"}));
}

TEST(Logbook, SummarizeComputesPopulationStatistics) {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population variance 4, std 2.
  const LogRecord row = summarize(with_fitness({2, 4, 4, 4, 5, 5, 7, 9}), 3, 8, kFailure);
  EXPECT_EQ(row.gen, 3);
  EXPECT_EQ(row.evals, 8);
  EXPECT_EQ(row.min, 2);
  EXPECT_EQ(row.max, 9);
  EXPECT_EQ(row.avg, 5);
  EXPECT_EQ(row.std, 2);
  EXPECT_EQ(row.wall_s, 0);
  EXPECT_EQ(row.evals_per_s, 0);
}

TEST(Logbook, SummarizeSkipsNotEvaluatedIndividuals) {
  const LogRecord row = summarize(with_fitness({kNaN, 1, kNaN, 3, kNaN}), 0, 2, kFailure);
  EXPECT_EQ(row.min, 1);
  EXPECT_EQ(row.max, 3);
  EXPECT_EQ(row.avg, 2);
  EXPECT_EQ(row.std, 1);
}

TEST(Logbook, SummarizeLeavesOutFailedIndividualsAndCountsThem) {
  // Issue 14 item 11: with 1e300 among the values std was inf.
  const LogRecord row = summarize(with_fitness({1, kFailure, 3, kNaN, kFailure}), 2, 4, kFailure);
  EXPECT_EQ(row.failed, 2);
  EXPECT_EQ(row.min, 1);
  EXPECT_EQ(row.max, 3);
  EXPECT_EQ(row.avg, 2);
  EXPECT_EQ(row.std, 1);
  // Another failure fitness is what counts, not the magnitude.
  const LogRecord other = summarize(with_fitness({1, 1e300, 3}), 0, 3, -1.0);
  EXPECT_EQ(other.failed, 0);
  EXPECT_EQ(other.max, 1e300);
}

TEST(Logbook, SummarizeOfOnlyFailuresIsTheFailureFitnessWithStdZero) {
  const LogRecord row = summarize(with_fitness({kFailure, kNaN, kFailure}), 1, 2, kFailure);
  EXPECT_EQ(row.failed, 2);
  EXPECT_EQ(row.min, kFailure);
  EXPECT_EQ(row.avg, kFailure);
  EXPECT_EQ(row.max, kFailure);
  EXPECT_EQ(row.std, 0);
}

TEST(Logbook, SummarizeLeavesFailuresOutOfEveryObjectivesStatistics) {
  // Rows (objective 0, objective 1): (1, 10), (failure, failure), (3, 30).
  const LogRecord row =
      summarize(with_fitness({1, 10, kFailure, kFailure, 3, 30}, 2), 0, 3, kFailure);
  EXPECT_EQ(row.failed, 1);
  EXPECT_EQ(row.objective_stats, (std::vector<double>{1, 2, 3, 10, 20, 30}));
}

TEST(Logbook, SummarizeUsesObjectiveZeroOnly) {
  // Rows (objective 0, objective 1): (3, -100), (1, 100), (NaN, 0).
  const LogRecord row = summarize(with_fitness({3, -100, 1, 100, kNaN, 0}, 2), 1, 3, kFailure);
  EXPECT_EQ(row.min, 1);
  EXPECT_EQ(row.max, 3);
  EXPECT_EQ(row.avg, 2);
  EXPECT_EQ(row.std, 1);
}

TEST(Logbook, SummarizeOfNothingEvaluatedIsNaN) {
  const LogRecord row = summarize(with_fitness({kNaN, kNaN}), 0, 0, kFailure);
  EXPECT_TRUE(std::isnan(row.min));
  EXPECT_TRUE(std::isnan(row.avg));
  EXPECT_TRUE(std::isnan(row.max));
  EXPECT_TRUE(std::isnan(row.std));
  EXPECT_TRUE(std::isnan(summarize(Population(), 0, 0, kFailure).avg));
}

TEST(Logbook, CsvRoundTripsDoublesExactly) {
  ScratchDir dir;
  const fs::path path = dir.path() / "logbook.csv";
  Logbook logbook;
  logbook.rows.push_back(
      {0, 200, 0.1, 1e-300, 1.0 / 3.0, 2.5e300, 4, 9, 0.30000000000000004, 123.456});
  logbook.rows.push_back({1, 200, -0.0, 5e-324, std::numeric_limits<double>::max(),
                          std::numeric_limits<double>::infinity(), 0, 0, kNaN, 0});
  logbook.write_csv(path);
  EXPECT_FALSE(fs::exists(dir.path() / "logbook.csv.tmp"));

  const std::vector<std::string> lines = read_lines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "gen,evals,min,avg,max,std,failed,retried,wall_s,evals_per_s,status_failed,status_non_"
            "zero_exit,"
            "status_signaled,status_timeout,status_garbage,status_non_finite");
  EXPECT_EQ(split(lines[1])[2], "0.1");
  EXPECT_EQ(split(lines[1])[3], "1e-300");
  for (std::size_t i = 0; i < logbook.rows.size(); ++i) {
    expect_same(parse_row(lines[i + 1]), logbook.rows[i]);
  }
  EXPECT_TRUE(std::signbit(parse_row(lines[2]).min));
}

TEST(Logbook, WriteCsvReplacesTheWholeFile) {
  ScratchDir dir;
  const fs::path path = dir.path() / "logbook.csv";
  Logbook logbook;
  for (int gen = 0; gen < 5; ++gen) logbook.rows.push_back({gen, 10, 1, 2, 3, 4, 5, 6});
  logbook.write_csv(path);
  logbook.rows.resize(2);
  logbook.write_csv(path);
  EXPECT_EQ(read_lines(path).size(), 3u);
}

TEST(Logbook, AppendAddsOneRowAfterWriteCsv) {
  ScratchDir dir;
  const fs::path path = dir.path() / "logbook.csv";
  Logbook logbook;
  logbook.rows.push_back({0, 10, 0.5, 0.75, 1, 0.25, 0, 0, 0.01, 1000});
  logbook.write_csv(path);
  const LogRecord next{1, 10, 0.1, 0.2, 0.7, 1e-300, 2, 1, 0.02, 500};
  Logbook::append_csv(path, next);
  const std::vector<std::string> lines = read_lines(path);
  ASSERT_EQ(lines.size(), 3u);
  expect_same(parse_row(lines[1]), logbook.rows[0]);
  expect_same(parse_row(lines[2]), next);

  // The appended file is what write_csv of both rows would give.
  logbook.rows.push_back(next);
  const fs::path rewritten = dir.path() / "rewritten.csv";
  logbook.write_csv(rewritten);
  EXPECT_EQ(read_lines(rewritten), lines);
}

TEST(Logbook, AppendToMissingFileWritesTheHeaderFirst) {
  ScratchDir dir;
  const fs::path path = dir.path() / "fresh.csv";
  Logbook::append_csv(path, {0, 1, 2, 3, 4, 5, 6, 7});
  const std::vector<std::string> lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "gen,evals,min,avg,max,std,failed,retried,wall_s,evals_per_s,status_failed,status_non_"
            "zero_exit,"
            "status_signaled,status_timeout,status_garbage,status_non_finite");
}

TEST(Logbook, UnwritablePathNamesTheFile) {
  ScratchDir dir;
  const fs::path path = dir.path() / "no" / "such" / "dir" / "logbook.csv";
  Logbook logbook;
  EXPECT_THAT([&] { logbook.write_csv(path); },
              ::testing::ThrowsMessage<Error>(::testing::HasSubstr("no/such/dir")));
  EXPECT_THAT([&] { Logbook::append_csv(path, {}); },
              ::testing::ThrowsMessage<Error>(::testing::HasSubstr("no/such/dir")));
}

}  // namespace
}  // namespace evo::common

namespace evo::common {
namespace {

TEST(Logbook, SeveralObjectivesGetPerObjectiveColumnsAndHypervolumeItsOwn) {
  Population population(3, 1, 2);
  population.fitness = {1, 6, 2, 5, 3, 4};  // objective 0: 1 2 3; objective 1: 6 5 4
  LogRecord row = summarize(population, 7, 3, kFailure);
  EXPECT_EQ(row.min, 1);
  EXPECT_EQ(row.objective_stats, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(std::isnan(row.hypervolume));
  EXPECT_EQ(logbook_columns_of(row).back(), "max_1");
  row.hypervolume = 0.5;
  const std::vector<std::string> columns = logbook_columns_of(row);
  EXPECT_EQ(std::vector<std::string>(columns.end() - 7, columns.end()),
            (std::vector<std::string>{"min_0", "avg_0", "max_0", "min_1", "avg_1", "max_1",
                                      "hypervolume"}));
  const auto path = std::filesystem::path(::testing::TempDir()) / "multi_logbook.csv";
  std::filesystem::remove(path);
  Logbook::append_csv(path, row);
  std::ifstream file(path);
  std::string header;
  std::string line;
  std::getline(file, header);
  std::getline(file, line);
  EXPECT_THAT(header, ::testing::EndsWith(",min_0,avg_0,max_0,min_1,avg_1,max_1,hypervolume"));
  EXPECT_THAT(line, ::testing::EndsWith(",1,2,3,4,5,6,0.5"));
  // Single-objective rows keep the plain columns.
  EXPECT_EQ(logbook_columns_of(summarize(Population(2, 1, 1), 0, 0, kFailure)), logbook_columns());
}

}  // namespace
}  // namespace evo::common
