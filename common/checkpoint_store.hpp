// The checkpoint directory of one job: naming, listing, keeping the last K, and
// choosing the newest intact checkpoint on resume (loudly skipping damaged ones).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "common/checkpoint.hpp"

namespace evo::common {

// The sequence number of a checkpoint file name ckpt-NNNNNN-jJ-gGGGGGG.h5, or nothing for
// any other name.
std::optional<std::uint64_t> checkpoint_sequence(std::string_view name);

// The job directories OUT/job.J of a run with several jobs, by J ascending: only names
// exactly "job.<J>" (no sign, no leading zero), as the master makes them. `error` is set
// when `output` cannot be read (what was read before is returned).
std::vector<std::pair<std::uint64_t, std::filesystem::path>> job_directories(
    const std::filesystem::path& output, std::error_code& error);

class CheckpointStore {
 public:
  // `directory` is OUT/checkpoints (or OUT/job.J/checkpoints); created on first commit.
  CheckpointStore(std::filesystem::path directory, int keep);

  // Writes the next checkpoint durably, then removes the oldest beyond the `keep` newest
  // intact ones (a damaged file does not count; files of earlier launches are verified
  // once per store when pruning reaches them). Throws StorageError
  // when the checkpoint cannot be written; the directory is then as it was.
  std::filesystem::path commit(const CheckpointState& state);

  // Checkpoint files, oldest first (by sequence number in the name).
  std::vector<std::filesystem::path> list() const;

  // Newest intact checkpoint; each damaged newer one is passed to `report` with the reason.
  // Leftover *.tmp files are removed.
  struct Found {
    std::filesystem::path path;
    CheckpointState state;
  };
  std::optional<Found> newest_intact(
      const std::function<void(const std::filesystem::path&, const std::string&)>& report);

  const std::filesystem::path& directory() const { return directory_; }

 private:
  std::filesystem::path directory_;
  int keep_;
  std::uint64_t next_sequence_ = 0;
  // Whether a checkpoint file is intact: written by this store, or verified once.
  bool intact(const std::filesystem::path& path);
  std::map<std::filesystem::path, bool> intact_;
};

}  // namespace evo::common
