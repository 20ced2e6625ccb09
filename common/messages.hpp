// Wire formats of the messages that carry work: packed, fixed-layout, contiguous doubles,
// so a batch costs one memcpy per array, not one serialization per individual.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/evaluator.hpp"
#include "common/rng.hpp"
#include "common/transport.hpp"

namespace evo::common {

struct TaskBatch {
  int job = 0;
  std::uint64_t generation = 0;
  std::uint32_t dimension = 0;
  std::vector<std::uint64_t> indices;  // task index = individual index in its generation
  std::vector<double> genes;           // indices.size() * dimension

  std::size_t size() const { return indices.size(); }
  std::span<const double> genome(std::size_t i) const {
    return {genes.data() + i * dimension, dimension};
  }
};

struct ResultBatch {
  std::uint32_t objectives = 0;
  std::vector<std::uint64_t> indices;
  std::vector<std::uint8_t> statuses;  // EvalStatus
  std::vector<double> fitness;         // indices.size() * objectives
  double busy_seconds = 0;             // time the worker spent evaluating this batch
  // The worker's RNG state after the batch: the master always holds every rank's exact
  // state, so a checkpoint never has to wait for a busy worker.
  Rng::State worker_rng{};
  std::vector<std::string> details;  // one per failed entry, in order; empty when all ok

  std::size_t size() const { return indices.size(); }
};

// pack_* reuse `out`'s capacity; unpack_* throw Error on a malformed payload.
void pack_tasks(const TaskBatch& batch, Bytes& out);

// `count` tasks with consecutive indices from first_index, whose genomes are the consecutive
// rows of genes from first_row. A batch is a few runs: only members that need no evaluation
// (offspring that variation left unchanged) cut a generation's members into runs.
struct TaskRun {
  std::uint64_t first_index = 0;
  std::uint64_t first_row = 0;
  std::uint64_t count = 0;
};

// Splits `indices` (in task order) into runs of consecutive indices, into `runs`. A task's
// genome is in row `index - *block_start` when the genes are a block of members from
// block_start on, or else in row k for the k-th task (genomes packed in task order).
void split_into_runs(std::span<const std::uint64_t> indices,
                     std::optional<std::uint64_t> block_start, std::vector<TaskRun>& runs);

// Packs a task batch in place, with no intermediate TaskBatch: the master copies its genomes
// once, from its population into the send buffer, a whole block of members at once (gaps
// of members not to evaluate included) when they are dense.
class TaskPacker {
 public:
  // Sizes `out` for these runs of tasks of `dimension` genes in `rows` rows of genes, and
  // writes everything but the genes.
  TaskPacker(Bytes& out, int job, std::uint64_t generation, std::uint32_t dimension,
             std::span<const TaskRun> runs, std::size_t rows);
  // Rows first_row onwards: `genes` holds whole genomes, back to back. Every row once.
  void set_rows(std::uint64_t first_row, std::span<const double> genes);

 private:
  std::byte* genes_;
  std::size_t row_count_;
  std::uint32_t dimension_;
};

// A task batch read in place: the constructor checks the whole payload (as unpack_tasks
// does) and the accessors point into it, so a worker evaluates genomes where they arrived.
// The payload must be 8-byte aligned (a message buffer always is: it comes from operator
// new, and every array in the layout starts at a multiple of 8 bytes); valid while it is.
class TaskBatchView {
 public:
  explicit TaskBatchView(std::span<const std::byte> payload);
  int job() const { return job_; }
  std::uint64_t generation() const { return generation_; }
  std::uint32_t dimension() const { return dimension_; }
  std::size_t size() const { return size_; }  // tasks in all runs
  std::span<const TaskRun> runs() const { return runs_; }
  // The genomes of rows first_row to first_row + count - 1, back to back.
  std::span<const double> rows(std::uint64_t first_row, std::size_t count) const {
    return genes_.subspan(first_row * dimension_, count * dimension_);
  }

 private:
  int job_ = 0;
  std::uint64_t generation_ = 0;
  std::uint32_t dimension_ = 0;
  std::size_t size_ = 0;
  std::span<const TaskRun> runs_;
  std::span<const double> genes_;
};

// Packs a result batch in place, straight into the send buffer: an evaluator writes each
// fitness where it travels. Every entry starts ok with zero fitness; fail() marks the
// failed ones. finish() completes the message; until then `out` must not be touched.
class ResultPacker {
 public:
  // Sizes `out` for `count` results (reusing its capacity).
  ResultPacker(Bytes& out, std::uint32_t objectives, std::size_t count);
  std::span<std::uint64_t> indices() { return indices_; }  // each entry's task index
  std::span<double> fitness() { return fitness_; }         // every entry's, back to back
  std::span<double> fitness(std::size_t k) {
    return fitness_.subspan(k * objectives_, objectives_);
  }
  // Entry k failed with `status` (not kOk), for the reason `detail`. In increasing k.
  void fail(std::size_t k, EvalStatus status, std::string_view detail);
  // Writes the header and appends the failures' details.
  void finish(double busy_seconds, const Rng::State& worker_rng);

 private:
  Bytes& out_;
  std::uint32_t objectives_;
  std::size_t count_;
  std::span<std::uint64_t> indices_;
  std::span<double> fitness_;
  std::byte* statuses_;
  std::optional<std::size_t> last_failed_;
  std::vector<std::uint64_t> detail_lengths_;
  std::string detail_text_;
};

// A result batch read in place: the constructor checks the whole payload (as
// unpack_results does) and the accessors copy single fields out of it, so the master
// stores fitness straight into its population. Valid while the payload is.
class ResultBatchView {
 public:
  explicit ResultBatchView(std::span<const std::byte> payload);
  std::size_t size() const { return count_; }
  std::uint32_t objectives() const { return objectives_; }
  double busy_seconds() const { return busy_seconds_; }
  const Rng::State& worker_rng() const { return worker_rng_; }
  // In place, as TaskBatchView (the payload must be 8-byte aligned).
  std::span<const std::uint64_t> indices() const { return indices_; }
  std::span<const double> fitness() const { return fitness_; }  // size() * objectives()
  std::uint64_t index(std::size_t k) const { return indices_[k]; }
  std::uint8_t status(std::size_t k) const {
    return static_cast<std::uint8_t>(payload_[statuses_at_ + k]);
  }
  // Copies the objectives() values of entry k into `out`.
  void fitness(std::size_t k, std::span<double> out) const;
  // The detail of the i-th failed entry (i counts failed entries only).
  std::string_view detail(std::size_t i) const;
  std::size_t details() const { return details_; }

 private:
  std::span<const std::byte> payload_;
  std::uint32_t objectives_ = 0;
  std::size_t count_ = 0;
  std::size_t details_ = 0;
  double busy_seconds_ = 0;
  Rng::State worker_rng_{};
  std::span<const std::uint64_t> indices_;
  std::span<const double> fitness_;
  std::size_t statuses_at_ = 0;  // byte offsets into the payload
  std::size_t lengths_at_ = 0;
  std::size_t text_at_ = 0;
  // Start of each detail in the text, filled lazily by detail() (failures are rare).
  mutable std::vector<std::size_t> detail_offsets_;
};

void unpack_tasks(std::span<const std::byte> payload, TaskBatch& batch);

// Message sizes master/size_limits checks against kMaxMessageBytes: one task of
// `dimension` genes (the smallest task message; exact for any uint32 dimension), and a
// result batch of n results of `objectives` values, which is result_header_bytes() +
// n * result_bytes_per_task(objectives) (plus the details of failed entries).
std::uint64_t single_task_message_bytes(std::uint32_t dimension);
std::uint64_t result_header_bytes();
std::uint64_t result_bytes_per_task(std::uint32_t objectives);

void pack_results(const ResultBatch& batch, Bytes& out);
void unpack_results(std::span<const std::byte> payload, ResultBatch& batch);

Bytes pack_rng_state(const Rng::State& state);
Rng::State unpack_rng_state(std::span<const std::byte> payload);

Bytes pack_text(const std::string& text);
std::string unpack_text(std::span<const std::byte> payload);

// kWorkerError: a worker's fatal error and the exit code the run is to end with (2 when
// the worker could not use the configuration, e.g. a plugin that does not load on its node).
struct WorkerError {
  int exit_code = kExitFailure;
  std::string text;
};
Bytes pack_worker_error(const WorkerError& error);
WorkerError unpack_worker_error(std::span<const std::byte> payload);
// The Error a kWorkerError message reports, naming the worker's rank.
Error worker_error(const Message& report);

// kStop to every worker rank, carrying the exit code they are to return.
void stop_workers(Transport& transport, int exit_code);
// The exit code a kStop message carries (0 when it carries none).
int stop_exit_code(const Message& stop);

}  // namespace evo::common
