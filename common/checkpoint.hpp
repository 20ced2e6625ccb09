// Everything a run needs to continue, as plain structs, and the two calls that move it
// to and from one self-describing HDF5 file. Only common/checkpoint_*.cpp see HDF5.
//
// File layout: a 512-byte HDF5 user block holds our integrity header (magic, format
// version, payload length, XXH3-128 over the payload); the HDF5 file proper follows.
// The checksum is verified on the bytes in memory before HDF5 parses any of them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/logbook.hpp"
#include "common/population.hpp"
#include "common/rng.hpp"

namespace evo::common {

inline constexpr int kCheckpointFormatVersion = 1;

// An algorithm's own state, as named arrays (e.g. CMA-ES "mean", "covariance").
struct AlgorithmState {
  std::string name;
  std::map<std::string, std::vector<double>> reals;
  std::map<std::string, std::vector<std::int64_t>> integers;
};

struct CheckpointState {
  int format_version = kCheckpointFormatVersion;
  std::int64_t generation = 0;  // generations completed
  int job = 0;
  int ranks = 1;
  bool final = false;
  std::uint64_t seed = 0;
  std::uint64_t config_hash = 0;
  std::string config_text;                  // to_toml(config)
  std::int64_t evaluations = 0;             // total for this job
  std::string created_utc;                  // ISO 8601, informational
  std::string software_version;             // informational
  std::vector<std::int64_t> ranks_history;  // rank count of each launch that wrote to this job
  std::string trigger;  // why it was written: "generations", "seconds", "signal SIGTERM", ...
  // Why the job ended, in a final checkpoint: "generations" (run.generations reached) or
  // "<algorithm>:<criterion>" (e.g. "cmaes:tolx": the algorithm could not go on). Empty in
  // every other checkpoint, and in files written before the attribute existed.
  std::string stop_reason;

  Population population;
  Population hall_of_fame;
  Logbook logbook;
  std::vector<Rng::State> rng;  // one per rank, rank 0 = master
  AlgorithmState algorithm;

  // A checkpoint taken in the middle of generation `in_progress_generation` (generation + 1,
  // or 0 while the initial population is being evaluated): its candidates (already bred),
  // the evaluated ones with their fitness, the others NaN. Empty (size 0) at a generation
  // boundary. On resume only the NaN ones are evaluated, with the same
  // per-evaluation randomness, so the result stays bit-identical.
  Population in_progress;
  std::int64_t in_progress_generation = 0;
  std::int64_t in_progress_evaluations = 0;  // evaluations that generation needs in all
  // Of those already done, how many were given the failure fitness: with the rest of the
  // generation they decide dispatch.max_failure_share. Stored only when > 0.
  std::int64_t in_progress_failed = 0;
};

// Writes `path` durably: build the file image in memory, checksum it, write to
// `path.tmp`, fsync, rename, fsync the directory. Throws CheckpointError (naming the
// file and the step) on any failure; `path` is then untouched.
void write_checkpoint(const std::filesystem::path& path, const CheckpointState& state);

// Verifies the checksum, refuses every HDF5 object the writer never makes
// (common/checkpoint_structure.hpp), parses, then judges the content against the file's own
// /config/text (common/checkpoint_validator.hpp). Throws CheckpointError naming the object
// that is wrong (IncompatibleCheckpointError for another format version, logbook layout or
// RNG engine: exit 4); run, inspect and verify all read through it. HDF5 first parses the
// verified bytes in a child process bounded in memory and time (common/isolated_parse.hpp):
// a file on which HDF5 would hang, crash or allocate without bound is refused, and only
// bytes HDF5 has parsed to an end are parsed in this process.
CheckpointState read_checkpoint(const std::filesystem::path& path);

// read_checkpoint without the content judgement (frame, structure and schema still
// checked): for tests of the file format, whose states need not be ones a run could write.
CheckpointState read_checkpoint_format_only(const std::filesystem::path& path);

struct VerifyResult {
  bool intact = false;
  std::string reason;  // empty when intact: the reason read_checkpoint would throw
};
// Exactly read_checkpoint's verdict ("would run accept this file"); never throws.
VerifyResult verify_checkpoint(const std::filesystem::path& path);

// Whether HDF5 parses in a child process first (the default, and what every command does).
// Only the checkpoint fuzz harness turns it off, in its in-process campaign mode, so that
// libFuzzer sees HDF5's coverage and ASan its faults.
void set_checkpoint_parse_isolation(bool isolated);

}  // namespace evo::common
