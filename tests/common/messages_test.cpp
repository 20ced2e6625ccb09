#include "common/messages.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "common/error.hpp"

namespace evo::common {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

constexpr auto kOk = static_cast<std::uint8_t>(EvalStatus::kOk);
constexpr auto kFailed = static_cast<std::uint8_t>(EvalStatus::kFailed);

TaskBatch make_tasks(std::size_t count, std::uint32_t dimension) {
  TaskBatch batch;
  batch.job = 3;
  batch.generation = 123456789012ULL;
  batch.dimension = dimension;
  for (std::size_t i = 0; i < count; ++i) {
    batch.indices.push_back(1000 + 7 * i);
    for (std::uint32_t d = 0; d < dimension; ++d) {
      batch.genes.push_back(0.1 * static_cast<double>(i) - 1e-300 * d + 1.0 / 3.0);
    }
  }
  return batch;
}

ResultBatch make_results(std::size_t count, std::uint32_t objectives) {
  ResultBatch batch;
  batch.objectives = objectives;
  batch.busy_seconds = 0.125;
  Rng rng = Rng::for_worker(3, 1, 2);
  for (std::size_t k = 0; k < count % 7; ++k) rng.next_u64();
  batch.worker_rng = rng.state();
  for (std::size_t i = 0; i < count; ++i) {
    batch.indices.push_back(i * 3);
    const bool failed = i % 5 == 2;
    batch.statuses.push_back(failed ? kFailed : kOk);
    if (failed) batch.details.push_back(i % 2 == 0 ? "" : "exit code " + std::to_string(i));
    for (std::uint32_t k = 0; k < objectives; ++k) {
      batch.fitness.push_back(failed ? std::numeric_limits<double>::infinity()
                                     : static_cast<double>(i) * 0.1 + k);
    }
  }
  return batch;
}

void expect_equal(const TaskBatch& a, const TaskBatch& b) {
  EXPECT_EQ(a.job, b.job);
  EXPECT_EQ(a.generation, b.generation);
  EXPECT_EQ(a.dimension, b.dimension);
  EXPECT_EQ(a.indices, b.indices);
  EXPECT_EQ(a.genes, b.genes);
}

void expect_equal(const ResultBatch& a, const ResultBatch& b) {
  EXPECT_EQ(a.objectives, b.objectives);
  EXPECT_EQ(a.indices, b.indices);
  EXPECT_EQ(a.statuses, b.statuses);
  EXPECT_EQ(a.fitness, b.fitness);
  EXPECT_EQ(a.busy_seconds, b.busy_seconds);
  EXPECT_EQ(a.worker_rng, b.worker_rng);
  EXPECT_EQ(a.details, b.details);
}

TEST(Messages, TaskPackerWritesTheSameBytesAsPackTasks) {
  for (std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{37}}) {
    const TaskBatch batch = make_tasks(count, 6);  // indices 1000, 1007, ...: runs of one
    Bytes expected;
    pack_tasks(batch, expected);
    // A reused buffer, larger and dirty: the packer must size and fill it exactly.
    Bytes wire(expected.size() + 100, std::byte{0x5a});
    std::vector<TaskRun> runs;
    for (std::size_t k = 0; k < count; ++k) runs.push_back({batch.indices[k], k, 1});
    TaskPacker packer(wire, batch.job, batch.generation, batch.dimension, runs, count);
    // In reverse order: each row lands at its own place whatever the order.
    for (std::size_t k = count; k-- > 0;) packer.set_rows(k, batch.genome(k));
    EXPECT_EQ(wire, expected) << count << " tasks";
    TaskBatch received;
    unpack_tasks(wire, received);
    expect_equal(batch, received);
  }
}

TEST(Messages, PackTasksSendsConsecutiveIndicesAsOneRun) {
  TaskBatch batch = make_tasks(9, 2);
  batch.indices = {10, 11, 12, 13, 40, 41, 7, 8, 9};
  Bytes wire;
  pack_tasks(batch, wire);
  const TaskBatchView view(wire);
  ASSERT_EQ(view.runs().size(), 3U);
  EXPECT_EQ(view.runs()[1].first_index, 40U);
  EXPECT_EQ(view.runs()[1].first_row, 4U);
  EXPECT_EQ(view.runs()[1].count, 2U);
  EXPECT_EQ(view.size(), 9U);
  TaskBatch received;
  unpack_tasks(wire, received);
  expect_equal(received, batch);
}

TEST(Messages, SplitIntoRunsNamesRowsInABlockOrInTaskOrder) {
  const std::vector<std::uint64_t> members = {3, 4, 5, 9, 10, 20};
  std::vector<TaskRun> runs = {{1, 1, 1}};  // stale content must go
  split_into_runs(members, 3, runs);
  ASSERT_EQ(runs.size(), 3U);
  EXPECT_EQ(runs[1].first_index, 9U);
  EXPECT_EQ(runs[1].first_row, 6U);
  EXPECT_EQ(runs[1].count, 2U);
  EXPECT_EQ(runs[2].first_row, 17U);
  split_into_runs(members, std::nullopt, runs);
  ASSERT_EQ(runs.size(), 3U);
  EXPECT_EQ(runs[1].first_row, 3U);
  EXPECT_EQ(runs[2].first_row, 5U);
  EXPECT_EQ(runs[2].count, 1U);
}

TEST(Messages, RunsNameTheirRowsInABlockOfGenomesCopiedAtOnce) {
  // A population of 30 genomes; the batch evaluates members 3-5, 9-10 and 20, so its genes
  // are the block of members 3 to 20, gaps included, as the master sends them.
  constexpr std::uint32_t kDimension = 4;
  std::vector<double> population(30 * kDimension);
  for (std::size_t i = 0; i < population.size(); ++i) population[i] = 0.5 * static_cast<double>(i);
  const std::vector<TaskRun> runs = {{3, 0, 3}, {9, 6, 2}, {20, 17, 1}};
  Bytes wire;
  TaskPacker packer(wire, 2, 7, kDimension, runs, 18);
  packer.set_rows(0, std::span(population).subspan(3 * kDimension, 18 * kDimension));

  const TaskBatchView view(wire);
  EXPECT_EQ(view.size(), 6U);
  EXPECT_THAT(view.rows(6, 1), ::testing::ElementsAreArray(
                                   std::span(population).subspan(9 * kDimension, kDimension)));
  // unpack_tasks gives each task its own genome, gaps left out.
  TaskBatch batch;
  unpack_tasks(wire, batch);
  EXPECT_EQ(batch.indices, (std::vector<std::uint64_t>{3, 4, 5, 9, 10, 20}));
  for (std::size_t k = 0; k < batch.size(); ++k) {
    EXPECT_THAT(batch.genome(k),
                ::testing::ElementsAreArray(
                    std::span(population).subspan(batch.indices[k] * kDimension, kDimension)));
  }
}

TEST(Messages, TaskPackerRejectsRunsOrRowsBeyondTheBatch) {
  Bytes wire;
  const std::vector<TaskRun> beyond = {{0, 3, 2}};
  EXPECT_THAT([&] { TaskPacker(wire, 0, 0, 3, beyond, 4); },
              ThrowsMessage<Error>(HasSubstr("a run of 2 tasks from row 3, the batch has 4 rows")));
  const std::vector<TaskRun> runs = {{0, 0, 2}};
  TaskPacker packer(wire, 0, 0, 3, runs, 4);
  const std::vector<double> genes(9, 1.0);
  EXPECT_THAT([&] { packer.set_rows(2, genes); },
              ThrowsMessage<Error>(HasSubstr("9 genes from row 2, the batch has 4 rows of 3")));
  EXPECT_THAT([&] { packer.set_rows(0, std::span(genes).first(4)); },
              ThrowsMessage<Error>(HasSubstr("4 genes from row 0")));
}

TEST(Messages, ResultBatchViewReadsEveryFieldInPlace) {
  const ResultBatch sent = make_results(23, 3);
  Bytes wire;
  pack_results(sent, wire);
  const ResultBatchView view(wire);
  ASSERT_EQ(view.size(), sent.size());
  EXPECT_EQ(view.objectives(), 3U);
  EXPECT_EQ(view.busy_seconds(), sent.busy_seconds);
  EXPECT_EQ(view.worker_rng(), sent.worker_rng);
  std::vector<double> fitness(3);
  for (std::size_t k = 0; k < sent.size(); ++k) {
    EXPECT_EQ(view.index(k), sent.indices[k]);
    EXPECT_EQ(view.status(k), sent.statuses[k]);
    view.fitness(k, fitness);
    EXPECT_EQ(fitness, std::vector(sent.fitness.begin() + static_cast<std::ptrdiff_t>(3 * k),
                                   sent.fitness.begin() + static_cast<std::ptrdiff_t>(3 * k + 3)));
  }
  ASSERT_EQ(view.details(), sent.details.size());
  for (std::size_t i = 0; i < view.details(); ++i) EXPECT_EQ(view.detail(i), sent.details[i]);
  std::vector<double> too_small(2);
  EXPECT_THAT([&] { view.fitness(0, too_small); }, ThrowsMessage<Error>(HasSubstr("objectives")));
}

TEST(Messages, ResultPackerWritesInPlaceTheSameBytesAsPackResults) {
  const ResultBatch sent = make_results(23, 3);
  Bytes expected;
  pack_results(sent, expected);
  Bytes wire(expected.size() + 50, std::byte{0x5a});  // reused and dirty
  ResultPacker packer(wire, 3, sent.size());
  std::ranges::copy(sent.indices, packer.indices().begin());
  std::ranges::copy(sent.fitness, packer.fitness().begin());
  EXPECT_EQ(packer.fitness(2).data(), packer.fitness().data() + 6);
  std::size_t detail = 0;
  for (std::size_t k = 0; k < sent.size(); ++k) {
    if (sent.statuses[k] != kOk) {
      packer.fail(k, static_cast<EvalStatus>(sent.statuses[k]), sent.details[detail++]);
    }
  }
  packer.finish(sent.busy_seconds, sent.worker_rng);
  EXPECT_EQ(wire, expected);

  Bytes other;
  ResultPacker out_of_order(other, 1, sent.size());
  out_of_order.fail(4, EvalStatus::kTimeout, "slow");
  EXPECT_THAT([&] { out_of_order.fail(2, EvalStatus::kTimeout, "earlier"); },
              ThrowsMessage<Error>(HasSubstr("out of order")));
  EXPECT_THAT([&] { out_of_order.fail(5, EvalStatus::kOk, ""); },
              ThrowsMessage<Error>(HasSubstr("not a failure")));
}

TEST(Messages, EveryEvaluationStatusRoundTripsWithItsDetail) {
  ResultBatch sent = make_results(0, 1);
  for (std::uint8_t status = 0; status <= kLastEvalStatus; ++status) {
    sent.indices.push_back(status);
    sent.statuses.push_back(status);
    sent.fitness.push_back(status);
    if (status != kOk) {
      sent.details.push_back(status_name(static_cast<EvalStatus>(status)));
    }
  }
  Bytes wire;
  pack_results(sent, wire);
  ResultBatch received;
  unpack_results(wire, received);
  expect_equal(sent, received);
  EXPECT_EQ(received.details.back(), "non_finite");
}

TEST(Messages, TaskBatchesRoundTripAtEverySize) {
  for (std::size_t count : {0u, 1u, 1000u}) {
    const TaskBatch sent = make_tasks(count, 30);
    Bytes wire;
    pack_tasks(sent, wire);
    TaskBatch received = make_tasks(5, 2);  // stale content must be replaced
    unpack_tasks(wire, received);
    expect_equal(received, sent);
    EXPECT_EQ(received.size(), count);
    if (count > 0) {
      EXPECT_EQ(received.genome(count - 1)[29], sent.genome(count - 1)[29]);
    }
  }
}

TEST(Messages, TaskBatchOfDimensionZeroRoundTrips) {
  TaskBatch sent = make_tasks(4, 0);
  Bytes wire;
  pack_tasks(sent, wire);
  TaskBatch received;
  unpack_tasks(wire, received);
  expect_equal(received, sent);
}

TEST(Messages, ResultBatchesRoundTripAtEverySize) {
  for (std::size_t count : {0u, 1u, 1000u}) {
    const ResultBatch sent = make_results(count, 1);
    Bytes wire;
    pack_results(sent, wire);
    ResultBatch received = make_results(7, 2);
    unpack_results(wire, received);
    expect_equal(received, sent);
  }
}

TEST(Messages, MultiObjectiveResultsWithFailuresRoundTrip) {
  const ResultBatch sent = make_results(23, 3);
  ASSERT_FALSE(sent.details.empty());
  Bytes wire;
  pack_results(sent, wire);
  ResultBatch received;
  unpack_results(wire, received);
  expect_equal(received, sent);
}

TEST(Messages, NanFitnessRoundTripsBitForBit) {
  ResultBatch sent = make_results(2, 1);
  sent.fitness[1] = std::numeric_limits<double>::quiet_NaN();
  Bytes wire;
  pack_results(sent, wire);
  ResultBatch received;
  unpack_results(wire, received);
  EXPECT_TRUE(std::isnan(received.fitness[1]));
  EXPECT_EQ(std::memcmp(&received.fitness[1], &sent.fitness[1], sizeof(double)), 0);
}

TEST(Messages, PackReusesTheOutputBuffer) {
  Bytes wire;
  pack_tasks(make_tasks(100, 10), wire);
  const std::size_t capacity = wire.capacity();
  const std::byte* data = wire.data();
  pack_tasks(make_tasks(3, 10), wire);
  EXPECT_EQ(wire.capacity(), capacity);
  EXPECT_EQ(wire.data(), data);
  TaskBatch received;
  unpack_tasks(wire, received);
  EXPECT_EQ(received.size(), 3u);
}

TEST(Messages, RunBeyondTheGenesIsRejected) {
  Bytes wire;
  pack_tasks(make_tasks(2, 4), wire);  // two runs of one, in rows 0 and 1
  // Header words: magic, job, generation, dimension, runs, rows; then the runs.
  const std::uint64_t row = 2;
  std::memcpy(wire.data() + 6 * 8 + 3 * 8 + 8, &row, 8);  // run 1's first_row
  TaskBatch batch;
  EXPECT_THAT([&] { unpack_tasks(wire, batch); },
              ThrowsMessage<Error>(HasSubstr("a run of 1 tasks from row 2 of 2")));
}

TEST(Messages, TruncatedTaskBatchIsRejected) {
  for (std::size_t count : {0u, 1u, 50u}) {
    Bytes wire;
    pack_tasks(make_tasks(count, 4), wire);
    wire.pop_back();
    TaskBatch batch;
    EXPECT_THAT([&] { unpack_tasks(wire, batch); },
                ThrowsMessage<Error>(HasSubstr("malformed task batch")));
  }
}

TEST(Messages, TaskBatchWithTrailingByteIsRejected) {
  Bytes wire;
  pack_tasks(make_tasks(5, 4), wire);
  wire.push_back(std::byte{0});
  TaskBatch batch;
  EXPECT_THAT([&] { unpack_tasks(wire, batch); },
              ThrowsMessage<Error>(HasSubstr("trailing bytes")));
}

TEST(Messages, TaskBatchWithBadMagicIsRejected) {
  Bytes wire;
  pack_tasks(make_tasks(5, 4), wire);
  wire[0] ^= std::byte{0xFF};
  TaskBatch batch;
  EXPECT_THAT([&] { unpack_tasks(wire, batch); }, ThrowsMessage<Error>(HasSubstr("bad magic")));
}

TEST(Messages, ResultPayloadIsNotATaskBatch) {
  Bytes wire;
  pack_results(make_results(5, 1), wire);
  TaskBatch batch;
  EXPECT_THAT([&] { unpack_tasks(wire, batch); }, ThrowsMessage<Error>(HasSubstr("bad magic")));
}

TEST(Messages, EmptyAndTinyPayloadsAreRejected) {
  TaskBatch tasks;
  ResultBatch results;
  EXPECT_THROW(unpack_tasks({}, tasks), Error);
  EXPECT_THROW(unpack_results({}, results), Error);
  Bytes three(3);
  EXPECT_THAT([&] { unpack_tasks(three, tasks); },
              ThrowsMessage<Error>(HasSubstr("truncated header")));
}

TEST(Messages, OverflowingCountsAreRejected) {
  Bytes wire;
  pack_tasks(make_tasks(1, 2), wire);
  // Header words: magic, job, generation, dimension, runs, rows.
  const std::uint64_t huge_dimension = std::numeric_limits<std::uint32_t>::max();
  const std::uint64_t huge_count = std::uint64_t{1} << 62;
  std::memcpy(wire.data() + 24, &huge_dimension, 8);
  std::memcpy(wire.data() + 32, &huge_count, 8);
  TaskBatch batch;
  EXPECT_THAT([&] { unpack_tasks(wire, batch); },
              ThrowsMessage<Error>(HasSubstr("malformed task batch")));
  const std::uint64_t max_count = std::numeric_limits<std::uint64_t>::max();
  std::memcpy(wire.data() + 32, &max_count, 8);
  EXPECT_THAT([&] { unpack_tasks(wire, batch); }, ThrowsMessage<Error>(HasSubstr("overflows")));
  pack_tasks(make_tasks(1, 2), wire);
  std::memcpy(wire.data() + 24, &huge_dimension, 8);
  std::memcpy(wire.data() + 40, &huge_count, 8);
  EXPECT_THAT([&] { unpack_tasks(wire, batch); }, ThrowsMessage<Error>(HasSubstr("overflows")));
}

TEST(Messages, MalformedResultBatchesAreRejected) {
  Bytes good;
  pack_results(make_results(12, 2), good);
  ResultBatch batch;

  Bytes truncated = good;
  truncated.pop_back();
  EXPECT_THAT([&] { unpack_results(truncated, batch); },
              ThrowsMessage<Error>(HasSubstr("malformed result batch")));

  Bytes extra = good;
  extra.push_back(std::byte{1});
  EXPECT_THAT([&] { unpack_results(extra, batch); },
              ThrowsMessage<Error>(HasSubstr("trailing bytes")));

  Bytes bad_magic = good;
  bad_magic[7] ^= std::byte{1};
  EXPECT_THAT([&] { unpack_results(bad_magic, batch); },
              ThrowsMessage<Error>(HasSubstr("bad magic")));

  // Statuses follow the header (6 words and the worker's RNG state), 12 indices and 24
  // fitness values.
  constexpr std::size_t kStatuses = (6 + Rng::kStateWords) * 8 + 12 * 8 + 24 * 8;
  Bytes bad_status = good;
  bad_status[kStatuses] = std::byte{7};
  EXPECT_THAT([&] { unpack_results(bad_status, batch); },
              ThrowsMessage<Error>(HasSubstr("unknown evaluation status 7")));

  Bytes failure_without_detail = good;
  failure_without_detail[kStatuses] = std::byte{kFailed};  // entry 0 was ok
  EXPECT_THAT([&] { unpack_results(failure_without_detail, batch); },
              ThrowsMessage<Error>(HasSubstr("details for")));
}

TEST(Messages, PackRejectsInconsistentBatches) {
  TaskBatch tasks = make_tasks(3, 4);
  tasks.genes.pop_back();
  Bytes wire;
  EXPECT_THROW(pack_tasks(tasks, wire), Error);

  ResultBatch results = make_results(3, 1);
  results.details.push_back("no failure to go with");
  EXPECT_THROW(pack_results(results, wire), Error);
}

TEST(Messages, RngStateRoundTripsAndIsChecked) {
  Rng rng = Rng::for_worker(5, 1, 2);
  rng.next_u64();
  const Rng::State state = rng.state();
  Bytes wire = pack_rng_state(state);
  EXPECT_EQ(unpack_rng_state(wire), state);
  wire.pop_back();
  EXPECT_THAT([&] { unpack_rng_state(wire); },
              ThrowsMessage<Error>(HasSubstr("malformed rng state")));
}

TEST(Messages, TextRoundTrips) {
  for (const std::string& text : {std::string(), std::string("rank 3: boom"),
                                  std::string("with\0nul", 8), std::string(5000, 'x')}) {
    EXPECT_EQ(unpack_text(pack_text(text)), text);
  }
  Bytes wire = pack_text("abc");
  wire.push_back(std::byte{0});
  EXPECT_THROW(unpack_text(wire), Error);
}

TEST(Messages, WorkerErrorCarriesItsExitCodeAndText) {
  const WorkerError sent{kExitUsage,
                         "config from rank 0: plugin.library: cannot load\nsecond line"};
  const WorkerError received = unpack_worker_error(pack_worker_error(sent));
  EXPECT_EQ(received.exit_code, kExitUsage);
  EXPECT_EQ(received.text, sent.text);

  const Message report{3, Tag::kWorkerError, pack_worker_error(sent)};
  const Error error = worker_error(report);
  EXPECT_EQ(error.exit_code(), kExitUsage);
  EXPECT_THAT(error.what(), HasSubstr("worker rank 3: config from rank 0: plugin.library"));

  EXPECT_THAT([] { unpack_worker_error(pack_text("no exit code")); },
              ThrowsMessage<Error>(HasSubstr("malformed worker error")));
  EXPECT_THAT([] { unpack_worker_error(pack_text("2x\ntext")); },
              ThrowsMessage<Error>(HasSubstr("malformed worker error")));
}

}  // namespace
}  // namespace evo::common
