// Finished evaluations of the generation in progress, kept between checkpoints so that
// after kill -9 none of them is computed twice. One write() per result batch (the data
// is in the kernel then: it survives the death of the process, not of the machine), each
// record checksummed and bound to the exact candidates it belongs to, so a torn tail or
// a journal of other candidates is never trusted.
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

  // Starts the journal of `candidates`, generation `generation` of job `job` (replacing any
  // earlier one). Throws CheckpointError when the file cannot be written.
  void begin(int job, std::int64_t generation, const Population& candidates);
  // Appends the fitness of candidates[indices] in one write.
  void append(std::span<const std::uint64_t> indices, const Population& candidates);

  // Fills in unevaluated members of `candidates` from the journal at `file` when it
  // belongs to exactly these candidates; returns how many it filled. Never throws: a
  // missing, foreign or damaged journal recovers nothing (or its intact prefix).
  static std::size_t recover(const std::filesystem::path& file, int job, std::int64_t generation,
                             Population& candidates);

  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  int fd_ = -1;
  std::uint64_t binding_ = 0;  // hash of the header: ties records to these candidates
  std::vector<std::byte> buffer_;
};

}  // namespace evo::common
