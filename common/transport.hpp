// How ranks talk: tagged byte messages. Only common/mpi_transport.cpp sees MPI, so the
// master can be unit-tested over an in-process transport.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace evo::common {

enum class Tag : int {
  kConfig = 0,   // master -> worker at start: the resolved config text
  kTasks = 1,    // master -> worker: TaskBatch
  kResults,      // worker -> master: ResultBatch
  kRngState,     // master -> worker: set your RNG stream (each job start and resume)
  kStop,         // master -> worker: exit; payload empty or the exit code as text
  kWorkerError,  // worker -> master: a fatal error, WorkerError
  kReady,        // worker -> master at start: evaluator built, ready for tasks
};

struct Message {
  int source = -1;
  Tag tag = Tag::kStop;
  std::vector<std::byte> payload;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual void send(int rank, Tag tag, std::span<const std::byte> payload) = 0;
  virtual Message receive_any() = 0;  // blocks
  // Waits at most `timeout_seconds` (0 = poll once).
  virtual std::optional<Message> try_receive_any(double timeout_seconds) = 0;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Ends every rank now with `exit_code`; used when one rank cannot go on.
  [[noreturn]] virtual void abort(int exit_code) = 0;
};

}  // namespace evo::common
