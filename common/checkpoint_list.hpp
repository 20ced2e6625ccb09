// `evocluster list OUT`: every checkpoint of an output directory (OUT/checkpoints and, when
// run.jobs > 1, each OUT/job.J/checkpoints), with what it holds and whether a run would
// accept it. Each file is judged by read_checkpoint, exactly as run and verify judge it
// (checksum first, HDF5 parsing in a child process), so a damaged file is listed, never
// trusted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace evo::common {

struct CheckpointListing {
  std::filesystem::path file;  // relative to OUT
  std::uint64_t sequence = 0;  // from the name: orders a job's checkpoints
  std::uintmax_t size = 0;     // bytes
  bool intact = false;
  std::string reason;  // why it is not intact; empty when it is
  // Read from the file; only when intact.
  int job = 0;
  std::int64_t generation = 0;
  bool final = false;
  std::string stop_reason;
};

// The checkpoints under `out`, job by job (numerically), oldest first within a job. Throws
// Error when `out` is not a readable directory.
std::vector<CheckpointListing> list_checkpoints(const std::filesystem::path& out);

// The aligned table `evocluster list` prints (a header line, one line per checkpoint), then
// one line per damaged file with its reason.
std::string format_checkpoint_list(const std::vector<CheckpointListing>& listings);

// The whole command: prints the table to stdout; exit 0 when at least one checkpoint is
// intact, 3 (no usable checkpoint) when there is none or every one is damaged.
int run_list(const std::filesystem::path& out);

}  // namespace evo::common
