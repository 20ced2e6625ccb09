#include "common/evaluation_journal.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace evo::common {
namespace {

namespace fs = std::filesystem;

Population candidates(std::size_t count, double first_gene) {
  Population population(count, 3, 2);
  for (std::size_t i = 0; i < population.genes.size(); ++i) {
    population.genes[i] = first_gene + static_cast<double>(i);
  }
  return population;
}

void evaluate(Population& population, std::size_t index) {
  population.fitness_of(index)[0] = 0.5 + static_cast<double>(index);
  population.fitness_of(index)[1] = -1.0 * static_cast<double>(index);
}

class EvaluationJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ =
        fs::path(::testing::TempDir()) /
        ("journal_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(directory_);
    fs::create_directories(directory_);
  }
  fs::path file() const { return directory_ / "journal.bin"; }
  fs::path directory_;
};

TEST_F(EvaluationJournalTest, RecoversEveryJournaledEvaluationBitExactly) {
  Population bred = candidates(10, 0);
  {
    EvaluationJournal journal(file());
    journal.begin_generation(0, 4, bred);
    for (std::uint64_t i : {7u, 2u, 9u}) evaluate(bred, i);
    const std::vector<std::uint64_t> done = {7, 2, 9};
    journal.append(done, bred);
  }
  Population fresh = candidates(10, 0);
  EXPECT_EQ(EvaluationJournal::recover(file(), 0, 4, fresh), 3u);
  for (std::size_t i : {2u, 7u, 9u}) {
    EXPECT_EQ(fresh.fitness_of(i)[0], bred.fitness_of(i)[0]);
    EXPECT_EQ(fresh.fitness_of(i)[1], bred.fitness_of(i)[1]);
  }
  EXPECT_FALSE(fresh.evaluated(0));
}

TEST_F(EvaluationJournalTest, IgnoresOtherCandidatesGenerationsAndJobs) {
  Population bred = candidates(4, 0);
  EvaluationJournal journal(file());
  journal.begin_generation(1, 4, bred);
  evaluate(bred, 0);
  const std::vector<std::uint64_t> done = {0};
  journal.append(done, bred);

  Population other_genes = candidates(4, 100);
  EXPECT_EQ(EvaluationJournal::recover(file(), 1, 4, other_genes), 0u);
  Population same = candidates(4, 0);
  EXPECT_EQ(EvaluationJournal::recover(file(), 1, 5, same), 0u);  // another generation
  EXPECT_EQ(EvaluationJournal::recover(file(), 0, 4, same), 0u);  // another job
  EXPECT_EQ(EvaluationJournal::recover(file(), 1, 4, same), 1u);
}

TEST_F(EvaluationJournalTest, KeepsSegmentsOfSeveralGenerationsUntilReset) {
  EvaluationJournal journal(file());
  Population first = candidates(3, 0);
  journal.begin_generation(0, 1, first);
  evaluate(first, 1);
  journal.append(std::vector<std::uint64_t>{1}, first);
  Population second = candidates(3, 50);
  journal.begin_generation(0, 2, second);
  evaluate(second, 2);
  journal.append(std::vector<std::uint64_t>{2}, second);
  journal.flush();  // appends within a millisecond of a write wait for the next one

  Population again_first = candidates(3, 0);
  Population again_second = candidates(3, 50);
  EXPECT_EQ(EvaluationJournal::recover(file(), 0, 1, again_first), 1u);
  EXPECT_EQ(EvaluationJournal::recover(file(), 0, 2, again_second), 1u);

  journal.reset();  // a checkpoint now holds both generations
  Population after_reset = candidates(3, 0);
  EXPECT_EQ(EvaluationJournal::recover(file(), 0, 1, after_reset), 0u);
  // The current segment (generation 2) goes on after the reset.
  evaluate(second, 0);
  journal.append(std::vector<std::uint64_t>{0}, second);
  journal.flush();
  Population current = candidates(3, 50);
  EXPECT_EQ(EvaluationJournal::recover(file(), 0, 2, current), 1u);
  EXPECT_TRUE(current.evaluated(0));
}

TEST_F(EvaluationJournalTest, BufferedRecordsAreWrittenByFlushANewSegmentOrTheEnd) {
  Population bred = candidates(4, 0);
  {
    EvaluationJournal journal(file());
    journal.begin_generation(0, 1, bred);
    for (std::size_t i = 0; i < 4; ++i) evaluate(bred, i);
    journal.append(std::vector<std::uint64_t>{0}, bred);  // the first append writes at once
    journal.append(std::vector<std::uint64_t>{1}, bred);
    journal.append(std::vector<std::uint64_t>{2}, bred);
    journal.flush();
    Population after_flush = candidates(4, 0);
    EXPECT_EQ(EvaluationJournal::recover(file(), 0, 1, after_flush), 3u);
    journal.append(std::vector<std::uint64_t>{3}, bred);
    Population second = candidates(4, 50);
    journal.begin_generation(0, 2, second);  // writes what the last segment still held
    Population after_segment = candidates(4, 0);
    EXPECT_EQ(EvaluationJournal::recover(file(), 0, 1, after_segment), 4u);
    evaluate(second, 1);
    journal.append(std::vector<std::uint64_t>{1}, second);
  }
  Population after_end = candidates(4, 50);
  EXPECT_EQ(EvaluationJournal::recover(file(), 0, 2, after_end), 1u);
}

// With slow fitness the next result may be hours away: records still buffered after a burst
// are written by the idle poll once kMaxWriteDelay has passed, not by the next append.
TEST_F(EvaluationJournalTest, BufferedRecordsAreWrittenWhenDueWithoutAnotherAppend) {
  // On a loaded machine two appends may already be kMaxWriteDelay apart (then nothing is
  // buffered): try again until a record waited in the buffer.
  bool buffered = false;
  for (int attempt = 0; attempt < 20 && !buffered; ++attempt) {
    std::filesystem::remove(file());
    Population bred = candidates(3, 0);
    EvaluationJournal journal(file());
    journal.begin_generation(0, 1, bred);
    for (std::size_t i = 0; i < 3; ++i) evaluate(bred, i);
    journal.append(std::vector<std::uint64_t>{0}, bred);  // written at once
    journal.append(std::vector<std::uint64_t>{1}, bred);  // within the delay: buffered
    journal.append(std::vector<std::uint64_t>{2}, bred);
    Population before = candidates(3, 0);
    buffered = EvaluationJournal::recover(file(), 0, 1, before) < 3;
    if (!buffered) continue;
    std::this_thread::sleep_for(
        std::chrono::duration<double>(2 * EvaluationJournal::kMaxWriteDelay));
    journal.flush_if_due();
    Population after = candidates(3, 0);
    EXPECT_EQ(EvaluationJournal::recover(file(), 0, 1, after), 3u);
  }
  EXPECT_TRUE(buffered) << "no append was ever buffered, so nothing was checked";
}

TEST_F(EvaluationJournalTest, StopsAtATornOrDamagedRecord) {
  Population bred = candidates(5, 0);
  {
    EvaluationJournal journal(file());
    journal.begin_generation(0, 1, bred);
    for (std::size_t i = 0; i < 5; ++i) evaluate(bred, i);
    journal.append(std::vector<std::uint64_t>{0, 1, 2, 3, 4}, bred);
  }
  const auto size = fs::file_size(file());
  const std::size_t record = 8 + 2 * 8 + 8;
  fs::resize_file(file(), size - record / 2);  // the last record torn in half
  Population torn = candidates(5, 0);
  EXPECT_EQ(EvaluationJournal::recover(file(), 0, 1, torn), 4u);

  {
    std::fstream stream(file(), std::ios::in | std::ios::out | std::ios::binary);
    stream.seekp(static_cast<std::streamoff>(size - 3 * record + 9));  // inside record 2
    stream.put('\x7f');
  }
  Population damaged = candidates(5, 0);
  EXPECT_EQ(EvaluationJournal::recover(file(), 0, 1, damaged), 2u);
}

TEST_F(EvaluationJournalTest, MissingOrGarbageJournalRecoversNothing) {
  Population population = candidates(3, 0);
  EXPECT_EQ(EvaluationJournal::recover(file(), 0, 1, population), 0u);
  std::ofstream(file()) << "not a journal at all, just some text of a decent length........";
  EXPECT_EQ(EvaluationJournal::recover(file(), 0, 1, population), 0u);
}

}  // namespace
}  // namespace evo::common
