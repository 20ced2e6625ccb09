// Every evaluation finished since the last checkpoint, so that after kill -9 none of them
// is computed twice. The file is a sequence of segments, one per generation: a header
// that binds it to the exact candidates (job, generation, hash of their genes), then one
// checksummed record per result. One write() per result batch (the data is then in the
// kernel: it survives the death of the process, not of the machine). A torn tail or a
// segment of other candidates is never trusted. Truncated after each checkpoint, whose
// contents make it redundant.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

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
  // Appends the fitness of candidates[indices] in one write.
  void append(std::span<const std::uint64_t> indices, const Population& candidates);

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

  int fd_ = -1;
  std::vector<std::byte> header_;  // of the current segment; empty before the first
  std::uint64_t binding_ = 0;      // checksum of that header: ties records to it
  std::vector<std::byte> buffer_;
};

}  // namespace evo::common
