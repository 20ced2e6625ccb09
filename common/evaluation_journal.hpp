// Every evaluation finished since the last checkpoint, so that after kill -9 (almost) none
// of them is computed twice. The file is a sequence of segments, one per generation: a
// header that binds it to the exact candidates (job, generation, hash of their genes), then
// one checksummed record per result. Records are collected in memory and written with one
// write() at most every kMaxWriteDelay (and at flush(), a new segment, or when the buffer is
// large): once written, the data is in the kernel and survives the death of the process,
// not of the machine; what a kill -9 catches in the buffer is at most the last
// millisecond of results, which the restart computes again. With cheap fitness a write per
// result batch cost as much as the rest of the job queue. A torn tail or a segment of other
// candidates is never trusted. Truncated after each checkpoint, whose contents make it
// redundant.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "common/bytes.hpp"
#include "common/durable_file.hpp"
#include "common/population.hpp"

namespace evo::common {

class EvaluationJournal {
 public:
  explicit EvaluationJournal(std::filesystem::path file);
  ~EvaluationJournal();
  EvaluationJournal(const EvaluationJournal&) = delete;
  EvaluationJournal& operator=(const EvaluationJournal&) = delete;

  // Starts the segment of `candidates`, generation `generation` of job `job`, after what
  // the file already holds. Throws CheckpointError when the file cannot be written.
  void begin_generation(int job, std::int64_t generation, const Population& candidates);
  // Empties the journal once a checkpoint holds everything in it; the current segment
  // (a checkpoint taken mid-generation) goes on in a fresh one.
  void reset();
  // Appends the fitness of candidates[indices]; written by the next append() or
  // flush_if_due() at least kMaxWriteDelay after the previous write.
  void append(std::span<const std::uint64_t> indices, const Population& candidates);
  // Writes what append() collected (e.g. when a generation's evaluations are complete).
  void flush();
  // flush() if records wait and the previous write is kMaxWriteDelay old: called while the
  // master waits for results, so that with slow fitness the last records of a burst do not
  // wait for the next result (possibly hours away).
  void flush_if_due();

  static constexpr double kMaxWriteDelay = 0.001;  // seconds

  // Fills in unevaluated members of `candidates` from every segment of the journal at
  // `file` that belongs to exactly these candidates; returns how many it filled. Never
  // throws: a missing or damaged journal recovers nothing (or its intact prefix).
  static std::size_t recover(const std::filesystem::path& file, int job, std::int64_t generation,
                             Population& candidates);

  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  void open(int flags);
  void write_header();

  UniqueFd fd_;
  Bytes header_;                  // of the current segment; empty before the first
  std::uint64_t binding_ = 0;     // checksum of that header: ties records to it
  Bytes buffer_;                  // records (and maybe a header) not written yet
  std::size_t records_from_ = 0;  // where the records in buffer_ start (after a header)
  std::chrono::steady_clock::time_point last_write_{};
};

}  // namespace evo::common
