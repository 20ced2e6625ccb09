// The error types that end a run, each tied to the exit code DESIGN.md documents,
// so that main can map any failure to the code batch scripts rely on.
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>

namespace evo::common {

// Exit codes (README "Exit codes"; sbatch scripts rely on them).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNoCheckpoint = 3;
inline constexpr int kExitIncompatibleCheckpoint = 4;
inline constexpr int kExitRestartLimit = 5;
inline constexpr int kExitRequeue = 85;

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, int exit_code = kExitFailure)
      : std::runtime_error(what), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Bad command line or configuration: exit 2.
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& what) : Error(what, kExitUsage) {}
};

// A checkpoint that cannot be written or read (I/O, corruption): exit 1 unless a
// more specific class applies.
class CheckpointError : public Error {
 public:
  explicit CheckpointError(const std::string& what, int exit_code = kExitFailure)
      : Error(what, exit_code) {}
};

// A file of the output directory could not be written (disk full, quota, I/O error):
// exit 1. What was written before is intact; `disk_full()` tells ENOSPC and EDQUOT apart,
// which only freeing space cures (README "Exit codes": a requeue would fail again).
class StorageError : public CheckpointError {
 public:
  StorageError(const std::string& what, int error_number)
      : CheckpointError(what), error_number_(error_number) {}
  int error_number() const { return error_number_; }
  bool disk_full() const { return error_number_ == ENOSPC || error_number_ == EDQUOT; }

 private:
  int error_number_;
};

// Resume was requested or implied, but no intact checkpoint exists: exit 3.
class NoCheckpointError : public CheckpointError {
 public:
  explicit NoCheckpointError(const std::string& what) : CheckpointError(what, kExitNoCheckpoint) {}
};

// The checkpoint belongs to another config or format version: exit 4.
class IncompatibleCheckpointError : public CheckpointError {
 public:
  explicit IncompatibleCheckpointError(const std::string& what)
      : CheckpointError(what, kExitIncompatibleCheckpoint) {}
};

// The batch system restarted the job more often than run.max_restarts allows: exit 5, so
// that a job that cannot make progress is not requeued forever.
class RestartLimitError : public Error {
 public:
  explicit RestartLimitError(const std::string& what) : Error(what, kExitRestartLimit) {}
};

// An evaluation that failed in a way the run cannot absorb.
class EvaluationError : public Error {
 public:
  explicit EvaluationError(const std::string& what) : Error(what, kExitFailure) {}
};

}  // namespace evo::common
